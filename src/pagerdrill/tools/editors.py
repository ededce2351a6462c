"""nano, vim, vi - edit files through the front end's editor.

Usage: nano [OPTIONS] FILE...   vim [OPTIONS] FILE...   vi [OPTIONS] FILE...

The front end opens the file's current bytes in a real editor and hands back
what was saved (or nothing, when the player quit without saving); the result is
written through the simulated filesystem, so a full disk fails the save the way
it does for the real editors. Scripted runs have no terminal: the command says
so and exits 1 instead of hanging. Options (+LINE, -R...) are accepted and ignored.
"""

from __future__ import annotations

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.world.content import FileContent
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import Cred, Inode

__all__ = ["NO_TERMINAL", "edit"]

NO_TERMINAL = ("{name}: no terminal available for an interactive editor; use sed -i or a "
               "here-document (cat > FILE <<'EOF')\n")


def _writable(inode: Inode, cred: Cred) -> bool:
    if cred.is_root:
        return True
    if inode.uid == cred.uid:
        return bool(inode.mode & 0o200)
    if inode.gid in cred.gids:
        return bool(inode.mode & 0o020)
    return bool(inode.mode & 0o002)


def _save_error(name: str, path: str, error: FsError) -> str:
    if name == "nano":
        return f"[ Error writing {path}: {error.strerror} ]\n"
    if error.errno == errno.ENOSPC:
        return f'"{path}" E514: Write error (file system full?)\n'
    if error.errno == errno.EACCES:
        return f'"{path}" E212: Can\'t open file for writing\n'
    return f'"{path}" E667: Fsync failed\n'


def _edit_one(inv: Invocation, path: str) -> int:
    fs = inv.host.fs
    cred = inv.host.cred_for(inv.user)
    editor = getattr(inv.shell, "editor", None)
    assert editor is not None
    try:
        inode: Inode | None = fs.lookup(path, inv.cwd, cred=cred)
    except FsError as error:
        if error.errno != errno.ENOENT:
            inv.stderr.write(_save_error(inv.name, path, error))
            return 1
        inode = None
    if inode is not None and inode.is_dir:
        inv.stderr.write(f'"{path}" is a directory\n' if inv.name != "nano"
                         else f"[ \"{path}\" is a directory ]\n")
        return 1
    current = b""
    if inode is not None:
        current = b"".join(fs.read_stream(inode, path=path))
    saved = editor(fs.abspath(path, inv.cwd), current)
    if saved is None or (inode is not None and saved == current):
        return 0
    try:
        if inode is None:
            inode = fs.create(path, inv.cwd, cred=cred)
        elif not _writable(inode, cred):
            raise FsError(errno.EACCES, path)
        fs.set_content(inode, FileContent(saved), path=path)
    except FsError as error:
        inv.stderr.write(_save_error(inv.name, path, error))
        return 1
    return 0


@command("nano", "vim", "vi")
def edit(inv: Invocation) -> CommandOutput:
    """nano, vim, vi - open files in the front end's editor and save them back."""
    if getattr(inv.shell, "editor", None) is None:
        inv.stderr.write(NO_TERMINAL.format(name=inv.name))
        return 1
    files = [a for a in inv.args if not a.startswith(("-", "+"))]
    if not files:
        files = [""]
    status = 0
    for path in files:
        if not path:
            inv.stderr.write(f"{inv.name}: no file name given\n")
            return 1
        status = _edit_one(inv, path) or status
    yield b""
    return status
