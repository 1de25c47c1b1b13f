import sys

from isobench.commitlists import main

sys.exit(main())
