# Filesystem and path tricks (docs/threats.md, FS). Sourced by battery.

restore_git() { [ -d "$WS/.git.old" ] && mv "$WS/.git.old" "$WS/.git"; return 0; }
restore_hooks() { [ -d "$WS/.git/hooks.old" ] && mv "$WS/.git/hooks.old" "$WS/.git/hooks"; return 0; }
remove_bash_profile() { rm -f "$WS/.bash_profile"; }
remove_new_link() { rm -f "$WS/hl-new"; }
remove_node() { rm -f "$WS/node"; }
unsuid_tool() { chmod 755 "$WS/tool"; }

attack FS02 "read a secret outside the workspace" -- read "$SECRET"
attack FS03 "read through a workspace symlink pointing out" -- read link-out
attack FS04a "read outside via /proc/self/root" -- read "/proc/self/root$SECRET"
attack FS04b "read outside via /proc/1/root" unconf=maybe -- read "/proc/1/root$SECRET"
attack FS04c "read outside via a host process's /proc/PID/root" -- read "/proc/$VICTIM/root$SECRET"
attack FS06a "write a file outside the workspace" evidence="esc_sum $OUT/target" -- write "$OUT/target"
attack FS06b "write a file in a system directory (/etc)" skip="$ESC_NO_ETC" evidence="esc_sum $ETC_FILE" -- write "$ETC_FILE"
attack FS07 "write through a workspace symlink pointing out" evidence="esc_sum $OUT/target2" -- write wlink
attack FS08 "write through a hard link planted before the call" \
	residual="Landlock and mounts cannot tell a planted hard link (FS08 in docs/threats.md); Write/Edit refuse st_nlink > 1" \
	evidence="esc_sum $OUT/hltarget" -- write planted-hardlink
attack FS09 "hard-link an outside file into the workspace" after=remove_new_link -- link "$SECRET" hl-new
attack FS11a "write .git/hooks/pre-commit" ns evidence="esc_sum $WS/.git/hooks/pre-commit" -- write .git/hooks/pre-commit
attack FS11b "write .git/config (core.hooksPath, fsmonitor)" ns evidence="esc_sum $WS/.git/config" -- write .git/config
attack FS12a "write the workspace .bashrc" ns evidence="esc_sum $WS/.bashrc" -- write .bashrc
attack FS12b "write agent settings (.claude/settings.json)" ns evidence="esc_sum $WS/.claude/settings.json" -- write .claude/settings.json
attack FS13 "move .git/hooks aside to replace it" ns after=restore_hooks -- rename .git/hooks .git/hooks.old
attack FS13b "move .git itself aside (swap in a .git with writable hooks)" ns after=restore_git -- rename .git .git.old
attack FS14 "create a protected file that does not exist yet (.bash_profile)" ns after=remove_bash_profile \
	evidence="esc_sum $WS/.bash_profile" -- write .bash_profile
attack FS15 "remount the root read-write" unconf=no -- remount /
attack FS16 "remount / read-write inside a new user namespace" -- userns-remount
attack FS17 "set the set-user-ID bit on a workspace file" after=unsuid_tool -- chmod-suid tool
attack FS18a "open /proc/sys/vm/drop_caches for writing" unconf=root -- openw /proc/sys/vm/drop_caches
attack FS18b "open /proc/sys/kernel/core_pattern for writing" unconf=root -- openw /proc/sys/kernel/core_pattern
attack FS18c "open /sys/kernel/mm/ksm/run for writing" unconf=root -- openw /sys/kernel/mm/ksm/run
attack FS19 "create a device node in the workspace" unconf=root after=remove_node -- mknod node
# FS20: metadata writes outside the writable roots (mode, owner, times,
# xattrs, inode flags), each setting what the file already has: "ok" proves
# the write was let through and changes nothing. Landlock does not govern
# them; read-only mounts (EROFS) and, without namespaces, the notifier do.
attack FS20a "chmod a device node of the view (/dev/null), to its own mode" unconf=root -- meta chmod /dev/null
attack FS20b "chmod a global /proc entry (/proc/kallsyms), to its own mode" unconf=root -- meta chmod /proc/kallsyms
attack FS20c "chmod a file of the user's outside the workspace" -- meta chmod "$OUT/target"
attack FS20d "chmod a file of the user's in /etc" skip="$ESC_NO_ETC" -- meta chmod "$ETC_FILE"
attack FS20e "set a file's times in /etc (utimensat)" skip="$ESC_NO_ETC" -- meta utimes "$ETC_FILE"
attack FS20f "chown a file in /etc to its own owner" skip="$ESC_NO_ETC" -- meta chown "$ETC_FILE"
attack FS20g "fchmod a file in /etc through a descriptor opened for reading" skip="$ESC_NO_ETC" -- meta fchmod "$ETC_FILE"
attack FS20h "fchownat(AT_EMPTY_PATH) a file in /etc through an O_PATH descriptor" skip="$ESC_NO_ETC" -- meta fchownat "$ETC_FILE"
attack FS20i "set an extended attribute (user.*) on a file in /etc" skip="$ESC_NO_ETC$ESC_NO_XATTR" -- meta xattr "$ETC_FILE"
attack FS20j "set inode flags (chattr, FS_IOC_SETFLAGS) of a file in /etc" skip="$ESC_NO_ETC$ESC_NO_IFLAGS" -- meta setflags "$ETC_FILE"
attack FS21 "read a backup of the password hashes (/etc/shadow-)" unconf=root ns skip="$ESC_NO_SHADOW_BACKUP" -- read "$SHADOW_BACKUP"
