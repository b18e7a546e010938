import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# The analysis cache (stpreport/pipeline/cache.py) goes to a folder of the test run's own, not
# the user's ~/.cache; workers and kernels inherit the variable.
os.environ.setdefault("STPREPORT_CACHE_DIR", tempfile.mkdtemp(prefix="stpreport-test-cache-"))
