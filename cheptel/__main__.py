from cheptel.cli import main

raise SystemExit(main())
