import sys

from studio.models import CatalogueError, catalogue

try:
    catalogue()  # the model catalogue is read as the commands load: a broken one is one line, not a traceback
except CatalogueError as e:
    sys.exit(f"error: {e}")

from studio.cli import main  # noqa: E402

sys.exit(main())
