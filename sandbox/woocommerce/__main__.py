from sandbox.woocommerce.server import main

raise SystemExit(main())
