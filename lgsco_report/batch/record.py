"""Record a batch's results: the manifest after every task, the counts, and the index at the end.

Only the batch's own process writes the manifest, atomically, after every
finished task, so a killed batch resumes where it stopped. A full disk at the
end leaves no index that disagrees with the manifest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import __version__
from ..progress import ProgressBar
from ..year_folder.manifest import ADDRESSEE_NAMED, ADDRESSEE_UNNAMED, STATUS_DONE, Manifest
from ..year_folder.names import INDEX_FILE
from .layout import EXIT_DISK_FULL, BatchResult, disk_full_message, is_disk_full, now_iso
from .tasks import NATIONAL_REVIEW, NotebookTask

#: Result fields for the executor's own use, not the manifest's.
_NOT_RECORDED = ("worker_pid", "disk_full")


class Recorder:
    """Writes each finished task into the manifest (saved at once) and the batch's counts."""

    def __init__(self, manifest: Manifest, year_dir: Path, generated_at: str, result: BatchResult,
                 bar: ProgressBar, params_file: Path | None = None, named: dict[str, bool] | None = None,
                 unnamed_allowed: bool = False) -> None:
        self.manifest = manifest
        self.params_file = params_file  # the letters' parameters: the index's letter date
        self.year_dir = year_dir
        self.generated_at = generated_at
        self.result = result
        self.bar = bar
        #: GSS code -> whether the letter names its addressee; ``unnamed_allowed``: a --final run told to send them.
        self.named = named or {}
        self.unnamed_allowed = unnamed_allowed
        manifest.package_version = __version__
        for code, entry in manifest.letters.items():  # letters left unchanged say so too; each run its own decision
            if code in self.named:
                entry.pop("unnamed_allowed", None)
                entry.update(self._addressee(code))

    def _addressee(self, code: str) -> dict[str, Any]:
        """The manifest's ``addressee`` fields of ``code``'s letter (none for a council not in this run)."""
        if code not in self.named:
            return {}
        if self.named[code]:
            return {"addressee": ADDRESSEE_NAMED}
        return {"addressee": ADDRESSEE_UNNAMED, **({"unnamed_allowed": True} if self.unnamed_allowed else {})}

    def record(self, task: NotebookTask, outcome: dict[str, Any]) -> None:
        fields = {k: v for k, v in outcome.items() if k not in _NOT_RECORDED}
        if task.kind == NATIONAL_REVIEW:
            self._record_review(task, fields)
            return
        self.manifest.letters[task.authority_code] = {
            **fields,
            "authority_name": task.authority_name,
            "authority_type": task.authority_type,
            "slug": task.slug,
            "year": task.year,
            "generated_at": self.generated_at,
            "fingerprint": task.fingerprint,
            **self._addressee(task.authority_code),
            **({"addressees": task.addressees} if task.addressees is not None else {}),
        }
        self.manifest.updated_at = now_iso()
        self.manifest.save(self.year_dir)
        if fields["status"] == STATUS_DONE:
            self.result.done += 1
        else:
            self.result.failed += 1
            self.result.failures.append((task.authority_name, str(fields["error"])))
        self.bar.update(self.result.done, self.result.failed, self.result.skipped)

    def _record_review(self, task: NotebookTask, fields: dict[str, Any]) -> None:
        self.manifest.reports[NATIONAL_REVIEW] = {
            **{k: v for k, v in fields.items() if k != "authority_code"},
            "fingerprint": task.fingerprint,
            "generated_at": self.generated_at,
        }
        if fields["status"] != STATUS_DONE:
            self.result.failed += 1
            self.result.failures.append(("national review", str(fields["error"])))
        self.manifest.save(self.year_dir)

    def record_statistics_pack(self, paths: list[Path]) -> None:
        self.manifest.reports["statistics_pack"] = {
            "status": STATUS_DONE, "outputs": {path.suffix.lstrip("."): path.name for path in paths},
        }

    def finish(self, statistics) -> None:
        """Save the manifest and rebuild the index; on a full disk, leave no index that disagrees with the manifest."""
        from ..index_page import write_index

        result, year_dir = self.result, self.year_dir
        try:
            self.manifest.updated_at = self.manifest.updated_at or now_iso()
            result.manifest_path = self.manifest.save(year_dir)
            result.unnamed = sum(
                not named and self.manifest.letters.get(code, {}).get("status") == STATUS_DONE
                for code, named in self.named.items()
            )
            year_councils = statistics.councils[statistics.councils["year"] == result.year]
            result.index_path = write_index(year_dir, result.year, year_councils, self.manifest, statistics.is_sample,
                                            result.unconfirmed, self.params_file)
        except OSError as error:
            if not is_disk_full(error):
                raise
            result.stopped, result.exit_code = disk_full_message(year_dir), EXIT_DISK_FULL
            if result.manifest_path is None:
                return  # the manifest on disk is the last one saved, which still matches the letters it lists
            (year_dir / INDEX_FILE).unlink(missing_ok=True)
            result.index_path = None


def refresh_index(year_dir: Path, year: int, statistics, data_fingerprint: dict[str, str]) -> Path | None:
    """Rewrite a year's ``index.html`` from its manifest as it stands, so that it links the site just built.

    Only when every letter in the manifest was made from the same data files as ``statistics``
    (``data_fingerprint``, ``inputs.fingerprint``): an index never shows one data set's figures beside
    another's letters. Returns the index written, or None (no manifest, other data, or a batch running).
    """
    from ..index_page import write_index
    from ..errors import BatchLockedError
    from ..year_folder.lock import batch_lock
    from ..year_folder.names import MANIFEST_JSON
    from ..yearparams import default_parameters_file
    from .plan import unconfirmed

    if not (year_dir / MANIFEST_JSON).is_file():
        return None
    try:
        with batch_lock(year_dir):
            manifest = Manifest.load(year_dir, year)
            made_from = {json.dumps(entry.get("fingerprint", {}).get("data"), sort_keys=True)
                         for entry in manifest.letters.values()}
            if made_from != {json.dumps(data_fingerprint, sort_keys=True)}:
                return None
            params = default_parameters_file(year)
            councils = statistics.councils[statistics.councils["year"] == year]
            return write_index(year_dir, year, councils, manifest, statistics.is_sample,
                               unconfirmed(year, params, False), params)
    except BatchLockedError:
        return None  # a batch is writing this year: it writes the index itself when it ends
