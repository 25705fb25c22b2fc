"""What DAG files build channel DAGs with: the conventions every channel DAG gets, the params of
the params-driven DAGs, the channel's task group, the stream window, and DAGs from job files."""
