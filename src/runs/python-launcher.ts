/** Paths of the launcher and the run's files inside a Python run's container. */
export const WORKSPACE_DIR = '/workspace';
export const LAUNCHER_DIR = '/opt/lyceum';
export const LAUNCHER_PATH = `${LAUNCHER_DIR}/launch.py`;
export const REQUIREMENTS_PATH = `${LAUNCHER_DIR}/requirements.txt`;

/**
 * The Python program that starts every Python run: it installs the requirements with pip, with
 * pip's output in the run's output, and then replaces itself with the user's script, so the
 * script's exit code is the run's. A failed install ends the run with pip's exit code.
 */
export const LAUNCHER_SOURCE = `
import os, subprocess, sys

requirements = ${JSON.stringify(REQUIREMENTS_PATH)}
script, *arguments = sys.argv[1:]

if os.path.exists(requirements):
    print("lyceum: installing requirements with pip", flush=True)
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_ROOT_USER_ACTION="ignore",
               PIP_BREAK_SYSTEM_PACKAGES="1", PIP_NO_INPUT="1")
    try:
        status = subprocess.call([sys.executable, "-m", "pip", "install", "-r", requirements], env=env)
    except OSError as error:
        print(f"lyceum: could not run pip: {error}", file=sys.stderr, flush=True)
        status = 1
    if status != 0:
        print(f"lyceum: installing the requirements failed (pip exited with {status}); "
              "check the requirement names and that the image has pip and can reach the package index",
              file=sys.stderr, flush=True)
        sys.exit(status or 1)

os.execv(sys.executable, [sys.executable, script, *arguments])
`;
