# Unix sockets and IPC (docs/threats.md, UX). Sourced by battery.

attack UX01a "connect to a host socket under /run (docker.sock, session bus)" ns \
	evidence="esc_lines $LOGS/RUN_SOCK.log" -- unix-connect "$RUN_DIR/host.sock"
attack UX01b "connect to a host socket in /tmp (X11, tmux)" ns \
	evidence="esc_lines $LOGS/TMP_SOCKET.log" -- unix-connect "$TMP_SOCK"
attack UX01c "connect to a host daemon's socket inside the workspace (a dev database, tmux -S)" \
	evidence="esc_lines $LOGS/WS_SOCK.log" -- unix-connect "$WS/run/daemon.sock"
attack UX02 "connect to a host abstract socket" evidence="esc_lines $LOGS/ABSTRACT_SOCK.log" \
	-- abstract-connect "$ABSTRACT"
attack UX03 "read a descriptor leaked by the caller (fd 7)" fd7="$SECRET" -- fd-read 7
attack UX03b "any descriptor above 2 is open (leaked IPC pipes, sockets)" fd7="$SECRET" -- fds
attack UX04 "attach a host SysV shared memory segment" ns -- shm-attach "$SHM_KEY"
