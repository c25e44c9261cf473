#!/bin/bash
# panintelligence-boot: sets up a Panintelligence dashboard instance created by
# @panintelligence/cdk-dashboard. Installed as /usr/local/sbin/panintelligence-boot by the user
# data; reads the deployment's values (secret ARNs, never secret values) from a root-only file.
#
#   mount-efs      mount the file system at $PI_EFS_MOUNT and record it in fstab (first boot)
#   align-owner    give the app's user and group the numeric ids of the data on EFS (first boot)
#   share-dirs     seed the shared data directories on EFS and bind them over the local ones
#   install-units  install the per-boot unit that runs `configure` before the dashboard
#   wait-for-old-version  in the exclusive upgrade mode, wait until no instance of another
#                  launch template version is left in this instance's Auto Scaling group
#   configure      rewrite the env files from Secrets Manager (every boot, before the dashboard)
#   signal         wait for the dashboard to answer, then tell CloudFormation SUCCESS or FAILURE
#   signal-failure tell CloudFormation FAILURE (first boot failed), unless a signal was sent
#
# Boot budget: while the instance is younger than PI_CDK_BOOT_BUDGET seconds, every retry loop
# stops at budget - PI_CDK_BOOT_RESERVE seconds after the kernel started, so the script gives up
# and signals failure before the Auto Scaling group and CloudFormation stop waiting for it.
#
# Every path can be overridden through the environment so that the logic can be exercised in a
# scratch directory. Secret values are never printed, logged, passed on a command line or
# written to a temporary file.
#
# Any client of the file system can put a symbolic link on it, so nothing on the share is
# followed as root: links are refused where a directory or file is expected, ownership changes
# never follow one, and what is bind-mounted is checked before and after mounting.
set -euo pipefail
umask 022
# The AWS CLI may come from the snap store; systemd's default PATH lacks /snap/bin.
PATH=$PATH:/snap/bin

CONFIG=${PI_CDK_CONFIG:-/etc/panintelligence/cdk.env}
PI_ROOT=${PI_ROOT:-/var/panintelligence}
EFS_MOUNT=${PI_EFS_MOUNT:-/mnt/efs}
FSTAB=${PI_FSTAB:-/etc/fstab}
SYSTEMD_DIR=${PI_SYSTEMD_DIR:-/etc/systemd/system}
OWNER=${PI_OWNER:-pi-user:pi-group}
# This instance's own disk, searched for files of the app's old ids when they change.
LOCAL_ROOT=${PI_LOCAL_ROOT:-/}
RETRY_DELAY=${PI_RETRY_DELAY:-2}
IMDS=${PI_IMDS_URL:-http://169.254.169.254}
RUN_DIR=${PI_RUN_DIR:-/run/panintelligence}
HEALTH_URL=${PI_HEALTH_URL:-http://127.0.0.1:8224/pi/version}
HEALTH_INTERVAL=${PI_HEALTH_INTERVAL:-10}
OLD_VERSION_INTERVAL=${PI_OLD_VERSION_INTERVAL:-15}
UPTIME_FILE=${PI_UPTIME_FILE:-/proc/uptime}
# Epoch second at which the boot gives up (empty: no deadline); set by read_config.
DEADLINE=${PI_BOOT_DEADLINE:-}
# Shared by every instance; logs/ stays local. The sync function writes into the same
# directories under <file system root>/var/panintelligence/.
SHARED_DIRS=(images themes excel svg keys)
SHARED_ROOT=$EFS_MOUNT/var/panintelligence

log() { echo "panintelligence-boot: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# remaining [CAP]: seconds left before the deadline (at least 0), at most CAP.
remaining() {
  local cap=${1:-86400} left
  if [[ -z $DEADLINE ]]; then
    echo "$cap"
    return
  fi
  left=$((DEADLINE - $(date +%s)))
  ((left < 0)) && left=0
  echo $((left < cap ? left : cap))
}

# retry TRIES COMMAND...: run COMMAND until it succeeds, backing off exponentially (max 60 s),
# and never sleeping past the deadline.
# Bash ignores `set -e` inside a command that is tested, so retried functions chain with &&.
retry() {
  local tries=$1 delay=$RETRY_DELAY attempt=1
  shift
  until "$@"; do
    if ((attempt >= tries)); then
      return 1
    fi
    if (($(remaining) <= delay)); then
      log "attempt $attempt of $tries failed (${1##*/}); giving up: the boot budget is spent"
      return 1
    fi
    log "attempt $attempt of $tries failed (${1##*/}); retrying in ${delay}s"
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2 > 60 ? 60 : delay * 2))
  done
}

# The config is KEY=value lines; it is parsed, never sourced, so no value is ever evaluated.
read_config() {
  [[ -r $CONFIG ]] || die "cannot read $CONFIG"
  REGION='' URL_SUFFIX='' FILE_SYSTEM_ID='' DATABASE_SECRET_ARN='' LICENCE_SECRET_ARN=''
  PUBLIC_HOST='' SCHEMA_NAME='' STACK_ID='' SIGNAL_RESOURCE='' BOOT_BUDGET='' BOOT_RESERVE=''
  EXCLUSIVE_UPGRADE=''
  DATA_UID='' DATA_GID=''
  local line value
  while IFS= read -r line || [[ -n $line ]]; do
    value=${line#*=}
    case ${line%%=*} in
      PI_CDK_REGION) REGION=$value ;;
      PI_CDK_URL_SUFFIX) URL_SUFFIX=$value ;;
      PI_CDK_FILE_SYSTEM_ID) FILE_SYSTEM_ID=$value ;;
      PI_CDK_DATABASE_SECRET_ARN) DATABASE_SECRET_ARN=$value ;;
      PI_CDK_LICENCE_SECRET_ARN) LICENCE_SECRET_ARN=$value ;;
      PI_CDK_PUBLIC_HOST) PUBLIC_HOST=$value ;;
      PI_CDK_SCHEMA_NAME) SCHEMA_NAME=$value ;;
      PI_CDK_STACK_ID) STACK_ID=$value ;;
      PI_CDK_SIGNAL_RESOURCE) SIGNAL_RESOURCE=$value ;;
      PI_CDK_BOOT_BUDGET) BOOT_BUDGET=$value ;;
      PI_CDK_BOOT_RESERVE) BOOT_RESERVE=$value ;;
      PI_CDK_EXCLUSIVE_UPGRADE) EXCLUSIVE_UPGRADE=$value ;;
      PI_CDK_DATA_UID) DATA_UID=$value ;;
      PI_CDK_DATA_GID) DATA_GID=$value ;;
      *) ;;
    esac
  done <"$CONFIG"
  URL_SUFFIX=${URL_SUFFIX:-amazonaws.com}
  SCHEMA_NAME=${SCHEMA_NAME:-dashboard}
  set_deadline
  if [[ -z $REGION ]]; then
    REGION=$(retry 5 imds_region) || die "no region in $CONFIG and none from instance metadata"
  fi
}

# The boot's deadline counts from the kernel's start (a few seconds after the launch); it binds
# only while the instance is within its boot budget, so a later restart retries fully.
set_deadline() {
  [[ -z ${PI_BOOT_DEADLINE:-} ]] || return 0
  DEADLINE=''
  [[ $BOOT_BUDGET =~ ^[0-9]+$ ]] || return 0
  local uptime now
  uptime=$(cut -d. -f1 "$UPTIME_FILE")
  now=$(date +%s)
  if ((uptime < BOOT_BUDGET)); then
    DEADLINE=$((now - uptime + BOOT_BUDGET - ${BOOT_RESERVE:-0}))
  fi
}

# imds PATH: IMDSv2 only (the launch template requires tokens).
imds() {
  local token
  token=$(curl -fsS -m 5 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$IMDS/latest/api/token") &&
    curl -fsS -m 5 -H "X-aws-ec2-metadata-token: $token" "$IMDS/latest/meta-data/$1"
}

imds_region() {
  imds placement/region
}

apt_install() {
  local apt=(apt-get -q -y -o "DPkg::Lock::Timeout=$(remaining 300)")
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >&2 &&
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "$@" >&2
}

# The Ubuntu 20.04 image may lack the AWS CLI: take focal's package, else the snap.
install_aws_cli() {
  { command -v apt-get >/dev/null && apt_install awscli; } ||
    { command -v snap >/dev/null && snap install aws-cli --classic >&2; }
  command -v aws >/dev/null
}

# set_fstab_entry SOURCE TARGET TYPE OPTIONS: replace any entry for TARGET, so reruns never
# duplicate one.
set_fstab_entry() {
  local tmp
  tmp=$(mktemp "$FSTAB.XXXXXX")
  TARGET=$2 awk '/^[[:space:]]*#/ || $2 != ENVIRON["TARGET"]' "$FSTAB" >"$tmp"
  printf '%s %s %s %s 0 0\n' "$1" "$2" "$3" "$4" >>"$tmp"
  chmod 0644 "$tmp"
  mv "$tmp" "$FSTAB"
}

mount_efs() {
  read_config
  [[ -n $FILE_SYSTEM_ID ]] || die "no file system id in $CONFIG"
  local source type options
  if command -v mount.efs >/dev/null; then
    # amazon-efs-utils is installed: encrypt NFS traffic with TLS.
    source=$FILE_SYSTEM_ID:/ type=efs options=_netdev,noresvport,tls
  else
    source=$FILE_SYSTEM_ID.efs.$REGION.$URL_SUFFIX:/ type=nfs4
    options=nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev
    command -v mount.nfs4 >/dev/null || retry 5 apt_install nfs-common || die "cannot install nfs-common"
  fi
  mkdir -p "$EFS_MOUNT"
  set_fstab_entry "$source" "$EFS_MOUNT" "$type" "$options"
  if mountpoint -q "$EFS_MOUNT"; then
    log "$EFS_MOUNT is already mounted"
    return
  fi
  # A new mount target's DNS name can take a few minutes to resolve.
  if [[ $type == nfs4 ]]; then
    retry 20 getent hosts "${source%:/}" >/dev/null || die "${source%:/} does not resolve"
  fi
  retry 12 mount --fstab "$FSTAB" "$EFS_MOUNT" || die "cannot mount $source on $EFS_MOUNT"
  log "mounted $source on $EFS_MOUNT ($type)"
}

# align_owner: NFS knows users by number, so the image's user and group take the numeric ids
# the data on the share has (and the sync function writes as). Files of their old ids on this
# instance's own disk follow; nothing changes when the image already uses these ids.
align_owner() {
  read_config
  local user=${OWNER%%:*} group=${OWNER#*:} old_uid old_gid
  [[ $DATA_UID =~ ^[0-9]+$ && $DATA_GID =~ ^[0-9]+$ ]] || die "no data owner ids in $CONFIG"
  [[ ! $user =~ ^[0-9]+$ ]] || return 0
  old_gid=$(getent group "$group" | cut -d: -f3) || old_gid=''
  [[ -n $old_gid ]] || die "no group $group on this image"
  old_uid=$(id -u "$user") || die "no user $user on this image"
  ((old_uid != 0 && old_gid != 0)) || die "$user or $group is root's: refusing to give its files away"
  [[ $old_gid == "$DATA_GID" ]] || ! getent group "$DATA_GID" >/dev/null ||
    die "group id $DATA_GID is taken on this image: $group cannot have it"
  [[ $old_uid == "$DATA_UID" ]] || ! getent passwd "$DATA_UID" >/dev/null ||
    die "user id $DATA_UID is taken on this image: $user cannot have it"
  [[ $old_gid == "$DATA_GID" ]] || groupmod -g "$DATA_GID" "$group"
  [[ $old_uid == "$DATA_UID" ]] || usermod -u "$DATA_UID" "$user"
  if [[ $old_uid != "$DATA_UID" || $old_gid != "$DATA_GID" ]]; then
    # -xdev: this disk only (not the share, not /proc); -h: a link itself, never its target.
    find "$LOCAL_ROOT" -xdev -uid "$old_uid" -exec chown -h "$DATA_UID" {} +
    find "$LOCAL_ROOT" -xdev -gid "$old_gid" -exec chgrp -h "$DATA_GID" {} +
    log "$user:$group now have the ids $DATA_UID:$DATA_GID (were $old_uid:$old_gid)"
  fi
}

# share_dir PATH [OWNER]: PATH on the share is a directory of its own, never a symbolic link; it
# is made when missing (never through a link) and, with OWNER, owned by it with mode 0755.
share_dir() {
  local dir=$1 owner=${2:-}
  [[ ! -L $dir ]] || die "refusing $dir: it is a symbolic link"
  [[ -e $dir ]] || mkdir "$dir"
  [[ ! -L $dir && -d $dir ]] || die "refusing $dir: not a directory"
  if [[ -n $owner ]]; then
    chown -h "$owner" "$dir"
    chmod 0755 "$dir"
  fi
}

# share_file PATH: PATH on the share is a regular file, made when missing; a link is refused.
# O_EXCL (noclobber) creates it without ever following a link.
share_file() {
  [[ ! -L $1 ]] || die "refusing $1: it is a symbolic link"
  [[ -e $1 ]] || (set -C && : >"$1") 2>/dev/null || true
  [[ ! -L $1 && -f $1 ]] || die "refusing $1: not a regular file"
}

# seed_dir NAME: the first instance copies the image's content into the shared directory,
# without overwriting anything already there (the sync function may have written files before
# any instance booted). A marker makes this happen once per file system, so files deleted
# from the share never come back when another instance boots.
seed_dir() {
  local local_dir=$PI_ROOT/$1 shared_dir=$SHARED_ROOT/$1 marker=$SHARED_ROOT/.seeded-$1 data=$DATA_UID:$DATA_GID
  share_dir "$shared_dir"
  [[ ! -L $marker ]] || die "refusing $marker: it is a symbolic link"
  if [[ ! -e $marker ]]; then
    # Nothing is copied or re-owned into a tree that holds links.
    [[ -z $(find "$shared_dir" -type l -print -quit) ]] || die "refusing to seed $shared_dir: it holds symbolic links"
    if [[ -d $local_dir ]] && ! mountpoint -q "$local_dir"; then
      # -n: never replace a shared file (coreutils 8.30 skips silently).
      cp -a -n "$local_dir/." "$shared_dir/"
    fi
    chown -R -P -h "$data" "$shared_dir"
    share_file "$marker"
    log "seeded $shared_dir"
  fi
  share_dir "$shared_dir" "$data"
}

# mount_info MOUNTPOINT: "device root" of what is mounted there, from /proc/self/mountinfo.
mount_info() {
  TARGET=$1 awk '$5 == ENVIRON["TARGET"] { found = $3 " " $4 } END { if (found == "") exit 1; print found }' /proc/self/mountinfo
}

# bind_dir NAME: binds the shared directory over the local one. The source must resolve to itself
# (no link anywhere on the way) before the mount, and what got mounted must be that directory of
# the file system afterwards, or it is undone.
bind_dir() {
  local source=$SHARED_ROOT/$1 target=$PI_ROOT/$1 real_root efs expected
  real_root=$(realpath -e "$SHARED_ROOT")
  [[ $(realpath -e "$source") == "$real_root/$1" && ! -L $source && -d $source ]] ||
    die "refusing to bind $source: it does not resolve to itself"
  mkdir -p "$target"
  set_fstab_entry "$source" "$target" none "bind,_netdev,x-systemd.requires-mounts-for=$EFS_MOUNT"
  if ! mountpoint -q "$target"; then
    mount --fstab "$FSTAB" "$target"
    log "bound $source on $target"
  fi
  efs=$(mount_info "$EFS_MOUNT") || die "$EFS_MOUNT is not mounted"
  expected="${efs%/}/var/panintelligence/$1"
  if [[ $(mount_info "$target") != "$expected" ]]; then
    umount "$target" || true
    die "refusing the bind mount on $target: it is not $source of the file system"
  fi
}

# Bind mounts (not symlinks): the dashboard sees ordinary directories at its usual paths, and
# when EFS is missing the mounts fail instead of the dashboard writing to a local copy.
share_dirs() {
  read_config
  mountpoint -q "$EFS_MOUNT" || die "$EFS_MOUNT is not mounted"
  [[ $DATA_UID =~ ^[0-9]+$ && $DATA_GID =~ ^[0-9]+$ ]] || die "no data owner ids in $CONFIG"
  # The sync function makes data directories that do not exist yet: the data root is theirs.
  share_dir "$EFS_MOUNT/var"
  share_dir "$SHARED_ROOT" "$DATA_UID:$DATA_GID"
  local dir lock=$SHARED_ROOT/.seed.lock
  # Instances booting together take turns (NFSv4 supports the lock). Opened read-write, never
  # truncated, and only if it is the regular file just checked.
  share_file "$lock"
  exec 9<>"$lock"
  [[ $(stat -L -c %d:%i /dev/fd/9) == $(stat -c %d:%i "$lock") ]] || die "refusing $lock: it was replaced"
  flock -w "$(remaining 900)" 9 || die "timed out waiting for $lock"
  for dir in "${SHARED_DIRS[@]}"; do
    seed_dir "$dir"
  done
  exec 9>&-
  for dir in "${SHARED_DIRS[@]}"; do
    bind_dir "$dir"
  done
}

install_units() {
  local mounts=$EFS_MOUNT dir timeout=20min
  # The first boot waits for this unit: it must not outlast the boot budget.
  if [[ -r $CONFIG ]]; then
    read_config
    [[ -z $BOOT_BUDGET ]] || timeout=${BOOT_BUDGET}s
  fi
  for dir in "${SHARED_DIRS[@]}"; do
    mounts+=" $PI_ROOT/$dir"
  done
  # Oneshot without RemainAfterExit: it runs again whenever the dashboard is (re)started, so
  # even a service restart picks up a rotated password. If it fails the dashboard stays down.
  cat >"$SYSTEMD_DIR/panintelligence-config.service" <<EOF
[Unit]
Description=Write the Panintelligence env files from AWS Secrets Manager
Wants=network-online.target
After=network-online.target remote-fs.target
Before=panintelligence.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/panintelligence-boot configure
TimeoutStartSec=$timeout

[Install]
RequiredBy=panintelligence.service
EOF
  mkdir -p "$SYSTEMD_DIR/panintelligence.service.d"
  cat >"$SYSTEMD_DIR/panintelligence.service.d/50-cdk-dashboard.conf" <<EOF
# The dashboard must never run on the local copies of its shared directories.
[Unit]
RequiresMountsFor=$mounts
EOF
  systemctl daemon-reload
  systemctl enable panintelligence-config.service panintelligence.service
}

# In the exclusive upgrade mode every old instance leaves the group in one batch while the new ones
# launch; an old one first finishes the requests it is serving (the load balancer's deregistration
# delay). The new version must not start against the database before the last one is gone.
wait_for_old_version() {
  read_config
  [[ $EXCLUSIVE_UPGRADE == true ]] || return 0
  if ! command -v aws >/dev/null; then
    log "installing the AWS CLI"
    retry 5 install_aws_cli || die "cannot install the AWS CLI"
  fi
  local instance self group version others ids
  instance=$(retry 3 imds instance-id) || die "no instance id from instance metadata"
  self=$(retry 8 aws --region "$REGION" --output text autoscaling describe-auto-scaling-instances \
    --instance-ids "$instance" --query 'AutoScalingInstances[0].[AutoScalingGroupName,LaunchTemplate.Version]') ||
    die "cannot read the Auto Scaling group of $instance"
  # Word splitting, not a here-string: the script keeps to one way of handing text to a reader.
  group=${self%%[[:space:]]*}
  version=${self##*[[:space:]]}
  [[ -n $group && $group != None && $version =~ ^[0-9]+$ ]] ||
    die "$instance is not in an Auto Scaling group with a launch template version (got: $self)"
  while :; do
    others=$(retry 8 aws --region "$REGION" --output text autoscaling describe-auto-scaling-groups \
      --auto-scaling-group-names "$group" \
      --query "AutoScalingGroups[0].Instances[?LaunchTemplate.Version!='$version'].InstanceId") ||
      die "cannot list the instances of $group"
    read -r -a ids < <(printf '%s\n' "$others")
    if ((${#ids[@]} == 0)) || [[ ${ids[0]} == None ]]; then
      log "no instance of another version is left in $group"
      return 0
    fi
    if (($(remaining) <= OLD_VERSION_INTERVAL)); then
      die "instances of another version are still in $group within the boot budget: ${ids[*]}"
    fi
    log "waiting for ${ids[*]} (another launch template version than $version) to leave $group"
    sleep "$OLD_VERSION_INTERVAL"
  done
}

get_secret() {
  aws --region "$REGION" --output json secretsmanager get-secret-value --secret-id "$1"
}

# Python (present on Ubuntu 20.04, unlike jq) parses the secrets and rewrites the env files:
# values are written verbatim, never passed through sed or a shell. The secret responses arrive
# on file descriptors 3 and 4. Keys already in a file are replaced where they stand (later
# duplicates dropped), other lines are kept, and the file is replaced atomically with mode 0600
# and its previous owner. Must run on Python 3.8.
read -r -d '' WRITE_ENV_FILES <<'PY' || true
import grp, json, os, pwd, sys, tempfile

def fail(message):
    sys.stderr.write('panintelligence-boot: ERROR: ' + message + '\n')
    sys.exit(1)

def secret_string(fd, name):
    try:
        with os.fdopen(fd, encoding='utf-8') as f:
            value = json.load(f).get('SecretString')
    except ValueError:
        fail('the response for the %s is not JSON' % name)
    if not isinstance(value, str):
        fail('the %s has no SecretString (binary secrets are not supported)' % name)
    return value

# What a licence is made of: letters and digits (of any script), spaces and the punctuation of a
# one-line licence XML or an Automated Licence Manager id. Nothing a shell or systemd reading the
# env file would expand or run ($, backquote, backslash, |, !, *, [, {, ~ and the like).
LICENCE_PUNCTUATION = set(' <>/="\'.,:;_+-&()?')

def licence_value(raw):
    value = raw.strip()
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    # A key/value secret (the console's default kind): take its "licence" entry, or its only one.
    if isinstance(parsed, dict):
        keys = [k for k in ('licence', 'license', 'PI_LICENCE') if k in parsed]
        if not keys and len(parsed) == 1:
            keys = list(parsed)
        if not keys:
            fail('the licence secret is JSON without a "licence" key')
        value = parsed[keys[0]]
        if not isinstance(value, str):
            fail('the licence in the licence secret is not a string')
        value = value.strip()
    if not value:
        fail('the licence secret is empty')
    if any(c in value for c in '\n\r'):
        fail('PI_LICENCE must be a single line')
    for c in value:
        if not (c.isalnum() or c in LICENCE_PUNCTUATION):
            # The code point only: the licence itself is never printed.
            fail('the licence holds a character no licence has (U+%04X): it is not written' % ord(c))
    return value

def ids(owner):
    user, _, group = owner.partition(':')
    try:
        uid = int(user) if user.isdigit() else pwd.getpwnam(user).pw_uid
        gid = int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    except KeyError:
        uid, gid = 0, 0
    return uid, gid

def rewrite(path, pairs, default_ids):
    for key, value in pairs:
        if any(c in value for c in '\n\r\0'):
            fail('%s must be a single line' % key)
    wanted = dict(pairs)
    try:
        with open(path, encoding='utf-8', errors='surrogateescape') as f:
            lines = f.read().splitlines()
        st = os.stat(path)
        uid, gid = st.st_uid, st.st_gid
    except FileNotFoundError:
        lines, (uid, gid) = [], default_ids
    out, done = [], set()
    for line in lines:
        key = line.split('=', 1)[0].strip() if '=' in line else ''
        if key.startswith('export '):
            key = key[len('export '):].strip()
        if key in wanted:
            if key not in done:
                out.append(key + '=' + wanted[key])
                done.add(key)
            continue
        out.append(line)
    out += [key + '=' + value for key, value in pairs if key not in done]
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix='.' + os.path.basename(path) + '.')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8', errors='surrogateescape') as f:
            f.write('\n'.join(out) + '\n')
            f.flush()
            os.fchown(f.fileno(), uid, gid)
            os.fchmod(f.fileno(), 0o600)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise

root, host, schema, owner, with_licence = sys.argv[1:6]
try:
    db = json.loads(secret_string(3, 'database secret'))
except ValueError:
    fail('the database secret is not JSON')
if not isinstance(db, dict):
    fail('the database secret is not a JSON object')

def field(key, default=None):
    value = db.get(key, default)
    if value is None or value == '':
        fail('the database secret has no "%s"' % key)
    return str(value)

database = [
    ('PI_DB_HOST', field('host')),
    ('PI_DB_PORT', field('port', 3306)),
    ('PI_DB_USERNAME', field('username')),
    ('PI_DB_PASSWORD', field('password')),
    ('PI_DB_SCHEMA_NAME', schema),
]
# The load balancer terminates TLS on 443 and forwards plain HTTP.
dashboard = database + [
    ('PI_EXTERNAL_DB', 'true'),
    ('PI_PROXY_ENABLED', 'true'),
    ('PI_PROXY_SCHEME', 'https'),
    ('PI_PROXY_HOST', host),
    ('PI_PROXY_PORT', '443'),
    ('PI_PROXY_IS_SECURE', 'true'),
    ('PI_TOMCAT_COOKIE_SECURE', 'true'),
]
if with_licence == 'yes':
    dashboard.append(('PI_LICENCE', licence_value(secret_string(4, 'licence secret'))))
default_ids = ids(owner)
rewrite(os.path.join(root, 'dashboard.env'), dashboard, default_ids)
rewrite(os.path.join(root, 'scheduler.env'), database, default_ids)
PY

configure() {
  read_config
  [[ -n $DATABASE_SECRET_ARN ]] || die "no database secret ARN in $CONFIG"
  [[ -n $PUBLIC_HOST ]] || die "no public host name in $CONFIG"
  if ! command -v aws >/dev/null; then
    log "installing the AWS CLI"
    retry 5 install_aws_cli || die "cannot install the AWS CLI"
  fi
  local database licence='' with_licence=no
  database=$(retry 8 get_secret "$DATABASE_SECRET_ARN") ||
    die "cannot read the database secret $DATABASE_SECRET_ARN"
  if [[ -n $LICENCE_SECRET_ARN ]]; then
    licence=$(retry 8 get_secret "$LICENCE_SECRET_ARN") ||
      die "cannot read the licence secret $LICENCE_SECRET_ARN"
    with_licence=yes
  fi
  check_binds
  mkdir -p "$PI_ROOT"
  # Pipes from the shell's own printf: a here-string would put the secrets in a temporary file.
  python3 -c "$WRITE_ENV_FILES" "$PI_ROOT" "$PUBLIC_HOST" "$SCHEMA_NAME" "$OWNER" "$with_licence" \
    3< <(printf '%s' "$database") 4< <(printf '%s' "$licence") || die "cannot write the env files in $PI_ROOT"
  log "wrote $PI_ROOT/dashboard.env and $PI_ROOT/scheduler.env"
}

# At a later boot systemd makes the bind mounts from fstab, following whatever is on the share
# by then: the dashboard starts only if each shared directory mounted is the share's own.
check_binds() {
  local dir efs expected
  efs=$(mount_info "$EFS_MOUNT") || return 0
  for dir in "${SHARED_DIRS[@]}"; do
    mountpoint -q "$PI_ROOT/$dir" || continue
    expected="${efs%/}/var/panintelligence/$dir"
    [[ $(mount_info "$PI_ROOT/$dir") == "$expected" ]] ||
      die "$PI_ROOT/$dir is not $SHARED_ROOT/$dir of the file system: a link on the share was followed"
  done
}

app_answers() {
  [[ $(curl -sS -m 5 -o /dev/null -w '%{http_code}' "$HEALTH_URL" 2>/dev/null) == 200 ]]
}

# Polls the dashboard until it answers 200, or until the deadline.
wait_for_app() {
  until app_answers; do
    if (($(remaining) <= HEALTH_INTERVAL)); then
      return 1
    fi
    sleep "$HEALTH_INTERVAL"
  done
}

# send_signal STATUS: tells CloudFormation how the first boot went, once per boot.
send_signal() {
  local status=$1 instance
  if [[ -e $RUN_DIR/signalled ]]; then
    log "already signalled $(<"$RUN_DIR/signalled")"
    return 0
  fi
  # Spend the reserve kept for the signal: the deadline no longer applies.
  local DEADLINE=''
  if ! command -v aws >/dev/null; then
    retry 2 install_aws_cli || die "cannot install the AWS CLI to signal $status"
  fi
  instance=$(retry 3 imds instance-id) || die "no instance id from instance metadata: cannot signal $status"
  if retry 3 aws --region "$REGION" cloudformation signal-resource --stack-name "$STACK_ID" \
    --logical-resource-id "$SIGNAL_RESOURCE" --unique-id "$instance" --status "$status" >&2; then
    mkdir -p "$RUN_DIR"
    echo "$status" >"$RUN_DIR/signalled"
    log "signalled $status for $instance to $SIGNAL_RESOURCE"
  else
    # Expected when no creation or rollout waits for this instance (e.g. a scale-out).
    log "could not signal $status for $instance to $SIGNAL_RESOURCE (nothing may be waiting)"
  fi
}

signal() {
  read_config
  if [[ -z $STACK_ID || -z $SIGNAL_RESOURCE ]]; then
    log "no stack to signal in $CONFIG"
    return 0
  fi
  if wait_for_app; then
    send_signal SUCCESS
  else
    log "ERROR: the dashboard did not answer 200 on $HEALTH_URL within the boot budget"
    send_signal FAILURE
    return 1
  fi
}

signal_failure() {
  read_config
  if [[ -n $STACK_ID && -n $SIGNAL_RESOURCE ]]; then
    send_signal FAILURE
  fi
}

case ${1:-} in
  mount-efs) mount_efs ;;
  align-owner) align_owner ;;
  share-dirs) share_dirs ;;
  install-units) install_units ;;
  wait-for-old-version) wait_for_old_version ;;
  configure) configure ;;
  signal) signal ;;
  signal-failure) signal_failure ;;
  *)
    echo "usage: ${0##*/} mount-efs|align-owner|share-dirs|install-units|wait-for-old-version|configure|signal|signal-failure" >&2
    exit 2
    ;;
esac
