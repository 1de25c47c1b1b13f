import sys

from isobench.tasks.commitlists import main

sys.exit(main())
