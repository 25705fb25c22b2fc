from localcloud.serve import main

raise SystemExit(main())
