# Filesystem and path tricks (docs/threats.md, FS). Sourced by battery.

restore_git() { [ -d "$WS/.git.old" ] && mv "$WS/.git.old" "$WS/.git"; return 0; }
restore_hooks() { [ -d "$WS/.git/hooks.old" ] && mv "$WS/.git/hooks.old" "$WS/.git/hooks"; return 0; }
remove_bash_profile() { rm -f "$WS/.bash_profile"; }
remove_new_link() { rm -f "$WS/hl-new"; }
remove_node() { rm -f "$WS/node"; }
unsuid_tool() { chmod 755 "$WS/tool"; }
# The set-aside cases leave NAME or NAME.cordon-quarantine (and -N): both go.
clean_aside() { rm -rf "$1" "$1".cordon-quarantine*; }
clean_commondir() { clean_aside "$WS/.git/commondir"; }
clean_plain() { rm -rf "$WS/plain" && mkdir "$WS/plain" && chown "$ESC_UID:$ESC_GID" "$WS/plain"; }
rm_hook() { rm -f "$WS/sub/.git/hooks/pre-commit" "$WS/tools/hooks/pre-commit" "$WS/lnk-hooks/pre-commit"; }

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
attack FS21 "read a backup of the password hashes (/etc/shadow-)" unconf=root skip="$ESC_NO_SHADOW_BACKUP" -- read "$SHADOW_BACKUP"
# FS11c-l: git's other places: every resolved config, hooks path and gitdir
# pointer read-only; what cannot be pinned before it exists is set aside at
# the call's end (a main gitdir's commondir, a new repository).
attack FS11c "point the repository at another common dir (write .git/commondir)" \
	set_aside="$WS/.git/commondir" after=clean_commondir -- write .git/commondir
attack FS11d "rewrite a linked worktree's gitdir pointer (w1/.git)" ns evidence="esc_sum $WS/w1/.git" -- write w1/.git
attack FS11e "rewrite a linked worktree's commondir (.git/worktrees/w1/commondir)" ns \
	evidence="esc_sum $WS/.git/worktrees/w1/commondir" -- write .git/worktrees/w1/commondir
attack FS11f "write a nested repository's config (sub/.git/config)" ns evidence="esc_sum $WS/sub/.git/config" \
	-- write sub/.git/config
attack FS11g "write a nested repository's hook (sub/.git/hooks/pre-commit)" ns after=rm_hook \
	evidence="esc_sum $WS/sub/.git/hooks/pre-commit" -- write sub/.git/hooks/pre-commit
attack FS11h "write a submodule's gitdir config (.git/modules/m/config)" ns \
	evidence="esc_sum $WS/.git/modules/m/config" -- write .git/modules/m/config
attack FS11i "write a hook in an in-tree core.hooksPath (tools/hooks/pre-commit)" ns skip="$ESC_NO_GIT" \
	after=rm_hook evidence="esc_sum $WS/tools/hooks/pre-commit" -- write tools/hooks/pre-commit
attack FS11j "write a hook through a symlinked hooks dir (its target lnk-hooks/)" ns after=rm_hook \
	evidence="esc_sum $WS/lnk-hooks/pre-commit" -- write lnk-hooks/pre-commit
attack FS11k "write a config file an include.path names (shared.gitconfig)" ns skip="$ESC_NO_GIT" \
	evidence="esc_sum $WS/shared.gitconfig" -- write shared.gitconfig
attack FS11l "create a repository where there was none (plain/.git)" set_aside="$WS/plain/.git" \
	after=clean_plain -- mkdir plain/.git
# FS12c-g: settings and persistence names at any depth: existing ones
# read-only, new ones set aside at the call's end.
attack FS12c "create agent settings in a subdirectory (plain/.claude)" set_aside="$WS/plain/.claude" \
	after=clean_plain -- mkdir plain/.claude
attack FS12d "create a per-directory environment in a subdirectory (plain/.envrc)" set_aside="$WS/plain/.envrc" \
	after=clean_plain -- write plain/.envrc
attack FS12e "write an editor's task file at depth (pkg/.vscode/tasks.json)" ns \
	evidence="esc_sum $WS/pkg/.vscode/tasks.json" -- write pkg/.vscode/tasks.json
attack FS12f "create a workspace file (plain/x.code-workspace)" set_aside="$WS/plain/x.code-workspace" \
	after=clean_plain -- write plain/x.code-workspace
attack FS12g "create a git hook manager's directory (plain/.husky)" set_aside="$WS/plain/.husky" \
	after=clean_plain -- mkdir plain/.husky
# FS23: hide a change from the host's git status with an index flag: the
# flag cannot be refused (git writes the index), it is reported.
esc_case FS23 fs23_index_flag

# FS23: git update-index --skip-worktree, unconfined (the flag is set: git
# ls-files -v shows S) and confined (cordon must report it on stderr).
fs23_index_flag() {
	local label="[$ESC_MODE] FS23 hide a change from the host's git status (update-index --skip-worktree)" out flag
	if [ -n "$ESC_NO_GIT" ]; then
		t_skip "$label" "$ESC_NO_GIT"
		esc_record FS23 - skip
		return
	fi
	if [ "$ESC_DEGRADED" = 0 ]; then
		esc_exec U "$WS/idx" 0 "" "${RUNAS[@]}" git update-index --skip-worktree t.txt
		flag=$(cd "$WS/idx" && "${RUNAS[@]}" git ls-files -v t.txt 2>/dev/null | cut -c1)
		(cd "$WS/idx" && "${RUNAS[@]}" git update-index --no-skip-worktree t.txt)
		if [ "$U_rc" != 0 ] || [ "$flag" != S ]; then
			t_fail "$label: the attack does not work unconfined (rc $U_rc, flag '$flag')" "${U_out:0:500}"
			esc_record FS23 probe-broken -
			return
		fi
	fi
	esc_confined_cmd -- git -C "$WS/idx" update-index --skip-worktree t.txt
	esc_exec C "$WS" 0 "" "${CONF_CMD[@]}"
	(cd "$WS/idx" && "${RUNAS[@]}" git update-index --no-skip-worktree t.txt)
	if printf '%s' "$C_out" | grep -q "index: a command set skip-worktree on t.txt"; then
		esc_record FS23 ok "denied reported"
		t_pass "$label: $([ "$ESC_DEGRADED" = 1 ] && echo "unconfined shown in $ESC_PLAIN_MODE mode" || echo "works unconfined"), reported confined (the caller is told; the diff comes from the files)"
	else
		esc_record FS23 ok "ok (not reported)"
		t_fail "$label: NOT reported confined (rc $C_rc)" "command: ${CONF_CMD[*]}" "${C_out:0:1000}"
	fi
}
