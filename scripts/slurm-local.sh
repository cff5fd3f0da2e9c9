#!/usr/bin/env bash
# A grid on a real Slurm cluster of one node, brought up from Debian's packages (munge, slurmctld, slurmd):
#   1. installs the packages if missing (needs root and apt-get),
#   2. starts munged, slurmctld and slurmd with a private configuration and state folder (nothing under /etc changes),
#   3. submits the grid as a job array of SHARDS tasks (`--shard i/SHARDS`) writing into ONE results folder,
#   4. waits, then checks: exactly one record per experiment, no claim or temporary file left, and the tables equal
#      those of the same grid run on this machine without Slurm (byte for byte),
#   5. stops the daemons.
# Usage (from the repository root, after `dotnet build -c Release` and `scripts/pack.sh`, which the fsi scripts load):
#   scripts/slurm-local.sh [GRID_SCRIPT] [SHARDS]        default: configs/smoke.fsx 4
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
script=${1:-configs/smoke.fsx}
shards=${2:-4}
grid=$(basename "$script" .fsx)

[ "$(id -u)" = 0 ] || { echo "slurm-local: run as root (it installs and starts munge and Slurm)" >&2; exit 1; }
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi

work=$(mktemp -d)
host=$(hostname)
conf="$work/slurm.conf"
mkdir -p "$work/state" "$work/spool"
cat >"$conf" <<EOF
ClusterName=sbp-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
SlurmctldPort=16817
SlurmdPort=16818
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$conf"

stop() {
  [ -f "$work/slurmd.pid" ] && kill "$(cat "$work/slurmd.pid")" 2>/dev/null || true
  [ -f "$work/slurmctld.pid" ] && kill "$(cat "$work/slurmctld.pid")" 2>/dev/null || true
  [ -n "${munge_started:-}" ] && pkill -x munged 2>/dev/null || true
}
trap stop EXIT

# munge: the authentication Slurm needs; start it unless one already runs
if ! pgrep -x munged >/dev/null; then
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  [ -f /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chmod 400 /etc/munge/munge.key; }
  chown -R munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge 2>/dev/null || true
  munged --force
  munge_started=1
fi
slurmctld -f "$conf"
slurmd -f "$conf"
for _ in $(seq 30); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo

results="$work/results"
single="$work/single"
mkdir -p "$results" "$single"
cat >"$work/task.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
cd "$root"
dotnet fsi "$script" --shard "\$SLURM_ARRAY_TASK_ID/$shards" --results "$results" --parallel 1 --no-table
EOF
chmod +x "$work/task.sh"

start=$(date +%s)
sbatch --wait --array="0-$((shards - 1))" --cpus-per-task=1 -o "$work/task-%a.out" -e "$work/task-%a.err" "$work/task.sh" \
  || { echo "slurm-local: the job array failed" >&2; tail -n 20 "$work"/task-*.err >&2; exit 1; }
elapsed=$(( $(date +%s) - start ))
for i in $(seq 0 $((shards - 1))); do echo "--- shard $i/$shards"; grep -E "^grid|done|FAILED" "$work/task-$i.out" || true; done

records=$(find "$results/$grid" -name run.json | wc -l)
leftovers=$(find "$results/$grid" \( -name 'claim.json*' -o -name '*.tmp-*' \) | wc -l)

# the same grid on this machine, without Slurm, for the comparison
dotnet fsi "$script" --results "$single" --no-table >/dev/null
expected=$(find "$single/$grid" -name run.json | wc -l)
dotnet run -c Release --no-build --project Sbp.Experiments -- table "$grid" --results "$results" >/dev/null
dotnet run -c Release --no-build --project Sbp.Experiments -- table "$grid" --results "$single" >/dev/null

echo "slurm-local: $shards shards, $records records (single machine: $expected), $leftovers claim/temporary files left, ${elapsed}s under Slurm"
status=0
[ "$records" = "$expected" ] || { echo "slurm-local: record count differs" >&2; status=1; }
[ "$leftovers" = 0 ] || { echo "slurm-local: claim or temporary files left behind" >&2; status=1; }
if cmp -s "$results/$grid/table.md" "$single/$grid/table.md"; then
  echo "slurm-local: tables identical to the single-machine run"
else
  echo "slurm-local: tables differ from the single-machine run" >&2
  diff "$results/$grid/table.md" "$single/$grid/table.md" >&2 || true
  status=1
fi
exit $status
