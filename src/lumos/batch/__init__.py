"""Many photos at once: plan the outputs, enhance each file, run thousands on Dask.

* :func:`plan_batch` / :func:`plan_outputs` - which files go where, never over an input;
* :func:`enhance_file` - one file start to finish, failures as reports, never raised;
* :func:`run_batch` - a folder of thousands on a Dask cluster (local or remote),
  bounded work in flight;
* :class:`Manifest` / :func:`resume` - the folder's record (one line per run and
  per photo) and what it says is done: what ``lumos batch`` adds to the two
  calls above. They alone write no record and check no settings.

Example (a local cluster starts worker processes that import the script, so
the ``__main__`` guard is needed; without it Dask says "Nanny failed to start")::

    from pathlib import Path

    from lumos.batch import Cluster, plan_batch, run_batch
    from lumos.config import EnhanceOptions

    if __name__ == "__main__":
        plan = plan_batch(["shoot/"], Path("out"), recursive=True, fmt="jpg", overwrite=False)
        summary = run_batch(plan.jobs, EnhanceOptions(), fmt="jpg", cluster=Cluster(workers=4))
"""

from ._dask import BatchSummary, Cluster, check_scheduler, require_dask, run_batch
from ._file import FileReport, TileProgress, enhance_file, report_path
from ._manifest import MANIFEST_NAME, Manifest, Resume, resume, settings_of
from ._plan import (
    SUFFIX_FOR_FORMAT,
    WRITABLE_SUFFIXES,
    BatchPlan,
    Failure,
    Job,
    collect_inputs,
    plan_batch,
    plan_outputs,
)

__all__ = [
    "MANIFEST_NAME",
    "SUFFIX_FOR_FORMAT",
    "WRITABLE_SUFFIXES",
    "BatchPlan",
    "BatchSummary",
    "Cluster",
    "Failure",
    "FileReport",
    "Job",
    "Manifest",
    "Resume",
    "TileProgress",
    "check_scheduler",
    "collect_inputs",
    "enhance_file",
    "plan_batch",
    "plan_outputs",
    "report_path",
    "require_dask",
    "resume",
    "run_batch",
    "settings_of",
]
