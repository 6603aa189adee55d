# Information leaks (docs/threats.md, IL). Sourced by battery. cordon runs
# with ANTHROPIC_API_KEY=$CANARY (and GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY
# built from it); a host process of the same user holds it too. The probe
# gets the canary hex-encoded so that its own argv does not contain it.

attack IL01 "the API key in the environment" -- env-grep "hex:$CANARY_HEX"
attack IL02a "the API key in any /proc/PID/environ or cmdline" -- proc-grep "hex:$CANARY_HEX"
attack IL02b "the API key in the parent's /proc environ or cmdline" unconf=root -- proc-grep "hex:$CANARY_HEX" parent
attack IL02c "the API key in /proc/1/environ or cmdline" unconf=maybe -- proc-grep "hex:$CANARY_HEX" 1
attack IL04 "read the kernel log (syslog)" unconf=root -- syslog
attack IL06 "read a file in the host's /tmp" ns -- read "$TMP_CANARY"
attack IL07 "look up the user keyring (keyctl)" -- keyctl-user
attack IL09 "see a host process in /proc" ns -- pid-visible "$VICTIM"
attack IL10 "see the host's hostname" ns -- hostname "$(hostname)"
attack IL11 "watch a directory outside the workspace with inotify (names created there)" -- inotify "$OUT/home"
