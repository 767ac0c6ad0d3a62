"""A SQLite ledger is refused on a network or FUSE mount (NFS, SMB, s3fs, gcsfuse, a Hugging Face bucket
mount), in words that say what to do instead. The mounts are read from a mountinfo file: these tests
write their own, in the kernel's format, and point the check at it."""

from pathlib import Path

import pytest

from studio import config, startup
from studio.jobs.filesystem import check_ledger_disk, mount_of

MOUNTS = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
30 27 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683772k
41 27 0:40 / /mnt/nfs rw,relatime shared:5 - nfs4 files.example:/export/studio rw,vers=4.2,addr=10.0.0.2
42 27 0:41 / /mnt/smb rw,relatime - cifs //nas/share rw,vers=3.0,username=studio
43 27 0:42 / /mnt/s3 rw,nosuid,nodev,relatime - fuse.s3fs s3fs rw,user_id=0,group_id=0
44 27 0:43 / /mnt/gcs rw,nosuid,nodev,relatime - fuse.gcsfuse clips-bucket rw,user_id=0
45 27 0:44 / /data rw,nosuid,nodev,relatime - fuse.hf-mount hf-bucket rw,user_id=1000
46 45 254:1 / /data/local rw,relatime - ext4 /dev/vdb rw
47 27 0:45 / /mnt/my\\040disk rw,relatime - fuse.sshfs me@host:/home rw
48 27 8:17 / /media/usb rw,relatime - fuseblk /dev/sdb1 rw,user_id=0
49 27 0:46 / /mnt/nfs rw,relatime - ext4 /dev/vdc rw
"""


@pytest.fixture
def mountinfo(tmp_path) -> Path:
    path = tmp_path / "mountinfo"
    path.write_text(MOUNTS)
    return path


@pytest.mark.parametrize("folder, fstype", [
    ("/mnt/smb/studio", "cifs"),
    ("/mnt/s3/studio/data", "fuse.s3fs"),
    ("/mnt/gcs/x", "fuse.gcsfuse"),
    ("/data/studio", "fuse.hf-mount"),
    ("/mnt/my disk/studio", "fuse.sshfs"),
])
def test_a_ledger_on_a_network_or_fuse_mount_is_refused_saying_what_to_do(mountinfo, folder, fstype):
    with pytest.raises(ValueError) as refused:
        check_ledger_disk(Path(folder) / "ledger.sqlite3", mountinfo)
    words = str(refused.value)
    assert f"STUDIO_DATA_DIR={folder} is on a {fstype} mount" in words and "\n" not in words
    assert "local disk" in words and "STUDIO_MEDIA_URL" in words and "STUDIO_DATABASE_URL" in words
    assert "username" not in words and "me@host" not in words  # a mount's source is never echoed


@pytest.mark.parametrize("folder, fstype", [
    ("/home/me/studio", "ext4"),           # the root disk
    ("/data/local/studio", "ext4"),        # a local disk mounted inside a bucket mount
    ("/mnt/nfs/studio", "ext4"),           # a local disk mounted over an NFS mount point (the later wins)
    ("/media/usb/studio", "fuseblk"),      # a local USB disk through FUSE (ntfs-3g): real locks
    ("/dev/shm/studio", "tmpfs"),
])
def test_a_ledger_on_a_local_disk_is_accepted(mountinfo, folder, fstype):
    assert mount_of(Path(folder), mountinfo).fstype == fstype
    check_ledger_disk(Path(folder) / "ledger.sqlite3", mountinfo)


def test_the_nfs_mount_itself_is_refused_where_no_disk_covers_it(tmp_path):
    info = tmp_path / "mountinfo"
    info.write_text("\n".join(line for line in MOUNTS.splitlines() if not line.startswith("49 ")))
    with pytest.raises(ValueError, match="STUDIO_DATA_DIR=/mnt/nfs/studio is on a nfs4 mount"):
        check_ledger_disk(Path("/mnt/nfs/studio/ledger.sqlite3"), info)


def test_start_up_and_the_cli_refuse_it_before_opening_the_ledger(mountinfo, tmp_path):
    on_s3fs = config.load({"STUDIO_DATA_DIR": "/mnt/s3/studio"})
    with pytest.raises(ValueError, match="fuse.s3fs"):
        startup.check_storage(on_s3fs, reach_media=False, mountinfo=mountinfo)
    assert not Path("/mnt/s3/studio").exists()  # refused before anything was created there
    # The same folder with the ledger in PostgreSQL is fine: only SQLite needs the locks.
    shared = config.load({"STUDIO_DATA_DIR": "/mnt/s3/studio", "STUDIO_DATABASE_URL": "postgresql://db/studio"})
    startup.check_storage(shared, reach_media=False, mountinfo=mountinfo)


def test_this_machines_own_mounts_are_read(tmp_path):
    """The real /proc/self/mountinfo: the test's folder is on some mount, and the check lets a local one pass."""
    mount = mount_of(tmp_path)
    assert mount is not None and tmp_path.resolve().is_relative_to(mount.point)
    if not mount.unfit_for_sqlite:
        check_ledger_disk(tmp_path / "ledger.sqlite3")
