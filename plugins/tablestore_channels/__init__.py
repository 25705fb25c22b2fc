"""Data channels for Alibaba Cloud Tablestore as Airflow hooks, operators, readers and writers.

Readers and writers (``readers/``, ``writers/``) are plain Python and never import Airflow; hooks
(``hooks/``) turn Airflow connections into SDK clients; operators (``operators/``) own templating
and XCom and hand off to a reader -> writer channel.
"""

__version__ = "0.2.0"
