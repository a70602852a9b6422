"""`python -m synthesis`: regenerate data/raw (see `synthesis.synthesize.main`)."""

from synthesis.synthesize import main

raise SystemExit(main())
