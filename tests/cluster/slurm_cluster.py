"""A throw-away single-node Slurm cluster for the tests: munged with a fresh key,
slurmctld and slurmd from a slurm.conf generated in a temporary directory (SlurmUser
root, proctrack/linuxproc, task/none, one node with this machine's CPUs). Every
daemon it starts is stopped by its PID. Needs root, as slurmd does."""
import os
import shutil
import signal
import socket
import subprocess
import time

PROGRAMS = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "sinfo",
            "scancel"]


def missing_programs():
    """The Slurm and munge programs this machine lacks (PATH plus /usr/sbin)."""
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return [p for p in PROGRAMS if not shutil.which(p, path=path)]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _which(p):
    return shutil.which(p, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


# Every daemon talks over loopback only, whatever the host name resolves to.
CONF = """ClusterName=lrptest
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
AuthType=auth/munge
AuthInfo=socket={sock}
CredType=cred/munge
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MinJobAge=600
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


class SlurmCluster:
    def __init__(self, workdir):
        self.d = workdir
        self.procs = []  # (name, Popen)
        self.env = dict(os.environ, SLURM_CONF=os.path.join(workdir, "slurm.conf"))

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _spawn(self, name, cmd):
        log = open(os.path.join(self.d, name + ".out"), "w")
        self.procs.append((name, subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                                  env=self.env)))
        log.close()

    def _start(self):
        d = self.d
        for sub in ("state", "spool", "munge"):
            os.makedirs(os.path.join(d, sub), mode=0o700, exist_ok=True)
        key = os.path.join(d, "munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))  # a fresh key: no other munged can talk to ours
        os.chmod(key, 0o400)
        self.sock = os.path.join(d, "munge", "munge.socket")
        self._spawn("munged", [_which("munged"), "-F", "--force", "--key-file", key,
                               "--socket", self.sock,
                               "--pid-file", os.path.join(d, "munge", "munged.pid"),
                               "--log-file", os.path.join(d, "munge", "munged.log"),
                               "--seed-file", os.path.join(d, "munge", "munged.seed")])
        self._wait(lambda: os.path.exists(self.sock), "munged's socket")
        self.host = socket.gethostname()
        with open(self.env["SLURM_CONF"], "w") as f:
            f.write(CONF.format(host=self.host, ctld_port=_free_port(), d_port=_free_port(),
                                sock=self.sock, d=d, cpus=os.cpu_count()))
        self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", self.env["SLURM_CONF"]])
        self._spawn("slurmd", [_which("slurmd"), "-D", "-f", self.env["SLURM_CONF"],
                               "-N", self.host])
        self._wait(self._node_idle, "the node to be idle (sinfo)")

    def _node_idle(self):
        p = subprocess.run([_which("sinfo"), "-h", "-N", "-o", "%T"], capture_output=True,
                           text=True, env=self.env)
        return p.returncode == 0 and p.stdout.strip() == "idle"

    def _wait(self, ready, what, timeout=60):
        """Polls ready() until it holds; a daemon that died or a timeout is an error."""
        deadline = time.monotonic() + timeout
        while not ready():
            for name, p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError("%s exited with %d while waiting for %s: see %s" %
                                       (name, p.returncode, what, self.logs()))
            if time.monotonic() > deadline:
                raise RuntimeError("no %s after %d s: see %s" % (what, timeout, self.logs()))
            time.sleep(0.1)

    def logs(self):
        return os.path.join(self.d, "*.log")

    def run(self, *cmd, check=True):
        """A Slurm client command against this cluster: (exit code, stdout, stderr)."""
        p = subprocess.run([_which(cmd[0])] + list(cmd[1:]), capture_output=True, text=True,
                           env=self.env)
        if check and p.returncode != 0:
            raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr))
        return p.returncode, p.stdout, p.stderr

    def sbatch(self, *args, env=None):
        """Submits; returns the job id."""
        p = subprocess.run([_which("sbatch"), "--parsable"] + list(args), capture_output=True,
                           text=True, env=dict(self.env, **(env or {})), cwd=self.cwd)
        if p.returncode != 0:
            raise RuntimeError("sbatch %s: exit %d: %s" % (" ".join(args), p.returncode,
                                                            p.stderr))
        return p.stdout.strip().split(";")[0]

    cwd = None

    def job_states(self, job):
        """{job id (array tasks as ID_K): state} from scontrol, or {} when unknown."""
        _, out, _ = self.run("scontrol", "-o", "show", "job", job, check=False)
        states = {}
        for line in out.splitlines():
            f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            task = f.get("ArrayTaskId")
            jid = f.get("ArrayJobId", f.get("JobId")) + ("_" + task if task else "")
            never = f.get("Reason") == "DependencyNeverSatisfied"  # pends forever
            states[jid] = "DEPENDENCY_NEVER_SATISFIED" if never else f.get("JobState")
        return states

    def wait_job(self, job, timeout=240):
        """Waits until every task of job has ended; returns their states."""
        done = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                "DEPENDENCY_NEVER_SATISFIED")
        holder = {}

        def ended():
            holder["s"] = self.job_states(job)
            return holder["s"] and all(s in done for s in holder["s"].values())
        self._wait(ended, "the end of job %s" % job, timeout)
        return holder["s"]

    def stop(self):
        """SIGTERM to every daemon started here, by PID; SIGKILL after 10 s."""
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for name, p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []
