from sandbox.server import main

raise SystemExit(main())
