"""The studio (app.py) with links allowed to ONE loopback file server: started by tests only.

    python tests/open_links_app.py PORT

The studio's own policy refuses every loopback address; a test that needs a "public" link installs
tests.link_server.OnlyThisServer here, in code, before the studio starts. No setting opens this door.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio import fetch
from tests.link_server import OnlyThisServer

if __name__ == "__main__":
    fetch.use_policy(OnlyThisServer(port=int(sys.argv[1])))
    import app

    app.main()
