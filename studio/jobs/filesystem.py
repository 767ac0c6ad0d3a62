"""Is the SQLite ledger's folder on a filesystem that can hold it?

SQLite in WAL mode needs real POSIX locks and a shared-memory file (mmap) that every process
sees at once. A network filesystem (NFS, SMB/CIFS, ...) or a FUSE mount (s3fs, gcsfuse, a
Hugging Face bucket mount, rclone, sshfs, ...) does not give both reliably: the ledger would
corrupt or lock up under two writers. Which filesystem holds a folder is read from
/proc/self/mountinfo (Linux); where that file does not exist the check says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")
NETWORK = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre", "gpfs", "beegfs",
           "ocfs2", "gfs2", "davfs", "coda", "ncpfs", "orangefs", "pvfs2"}
LOCAL_FUSE = {"fuseblk", "fuse.fuse-overlayfs"}  # a local disk (NTFS, exFAT) or a container's overlay through FUSE


@dataclass(frozen=True)
class Mount:
    point: Path
    fstype: str

    @property
    def unfit_for_sqlite(self) -> bool:
        kind = self.fstype.lower()
        return kind in NETWORK or (kind.startswith("fuse") and kind not in LOCAL_FUSE)


def mount_of(path: Path, mountinfo: Path = MOUNTINFO) -> Mount | None:
    """The mount holding `path` (for a folder not made yet: the mount it would be made on)."""
    try:
        lines = mountinfo.read_text().splitlines()
    except OSError:
        return None
    target = Path(path).expanduser().resolve()  # symlinks followed as far as the path exists
    found: Mount | None = None
    for line in lines:
        mount = _parse(line)
        # The longest mount point containing the path wins; of equal ones, the later (it is on top).
        if mount and target.is_relative_to(mount.point) and \
                (found is None or len(mount.point.parts) >= len(found.point.parts)):
            found = mount
    return found


def check_ledger_disk(ledger: Path, mountinfo: Path = MOUNTINFO) -> None:
    """Refuse (ValueError, one line) a SQLite ledger on a network or FUSE mount, saying what to do instead."""
    mount = mount_of(Path(ledger).parent, mountinfo)
    if mount is None or not mount.unfit_for_sqlite:
        return
    raise ValueError(
        f"STUDIO_DATA_DIR={Path(ledger).parent} is on a {mount.fstype} mount ({mount.point}), a network or FUSE "
        "filesystem where the SQLite ledger cannot keep its locks and shared memory: set STUDIO_DATA_DIR to a "
        "folder on a local disk and keep clips in a bucket (STUDIO_MEDIA_URL=s3://bucket/prefix), or keep the "
        "ledger in PostgreSQL (STUDIO_DATABASE_URL).")


def _parse(line: str) -> Mount | None:
    """One mountinfo line: 'id parent dev root point options [optional...] - fstype source superoptions'."""
    fields = line.split()
    if "-" not in fields or len(fields) < 5:
        return None
    after = fields[fields.index("-") + 1:]
    if not after:
        return None
    return Mount(Path(_unescape(fields[4])), after[0])


def _unescape(text: str) -> str:
    """mountinfo writes space, tab, newline and backslash in a path as octal escapes (\\040 ...)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        text = text.replace(code, char)
    return text

