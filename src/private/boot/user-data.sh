#!/bin/bash
# First boot of a Panintelligence dashboard instance. @panintelligence/cdk-dashboard renders this
# file into the launch template's user data, replacing the marker line below with commands that
# write the deployment's config (/etc/panintelligence/cdk.env: secret ARNs, never secret values)
# and install the boot helper /usr/local/sbin/panintelligence-boot (panintelligence-boot.sh).
# Its output goes to /var/log/cloud-init-output.log.
set -euo pipefail
umask 022
boot=/usr/local/sbin/panintelligence-boot
failed() {
  echo "panintelligence first boot: FAILED at line $1" >&2
  journalctl -u panintelligence-config.service -n 30 --no-pager >&2 || true
  # Tell CloudFormation now instead of letting it wait out the boot budget.
  "$boot" signal-failure || true
}
trap 'failed $LINENO' ERR

# @@RENDERED_FILES@@

# The image starts the dashboard with its own defaults: keep it stopped until it is configured.
systemctl stop panintelligence.service || true

"$boot" mount-efs
"$boot" align-owner
"$boot" share-dirs
"$boot" install-units
# In the exclusive upgrade mode, the old version's instances must be gone before this one starts.
"$boot" wait-for-old-version

# Write the env files from the secrets now, so that a failure shows in this log.
systemctl start panintelligence-config.service
# The same unit runs again before every later start of the dashboard. --no-block: the image's
# unit may be ordered after cloud-init, which is running this script.
systemctl restart --no-block panintelligence.service
# Stack creation and rollouts wait for this: SUCCESS once /pi/version answers 200 on the
# instance, FAILURE when it does not within the boot budget.
"$boot" signal
echo "panintelligence first boot: done"
