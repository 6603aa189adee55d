# Privilege and process attacks (docs/threats.md, PR). Sourced by battery.

attack PR01 "exec a set-user-ID root binary" unconf=user skip="$ESC_NO_SUID" bin="$WS/bin/probe-suid" -- euid-root
attack PR03a "ptrace a host process (PTRACE_SEIZE)" -- ptrace "$VICTIM"
attack PR03b "ptrace the parent" unconf=root -- ptrace parent
attack PR03c "open the warden's memory (/proc/1/mem) for writing" uargs="$VICTIM" -- mem-open 1
attack PR03d "open the parent's memory (/proc/PPID/mem) for writing" uargs="$VICTIM" -- mem-open parent
attack PR04a "process_vm_readv a host process" -- vm-read "$VICTIM" "$VICTIM_ADDR"
attack PR04b "pidfd_getfd a host process's descriptor" -- pidfd-getfd "$VICTIM"
attack PR04c "kcmp against a host process" -- kcmp "$VICTIM"
attack PR05a "signal a host process" -- kill "$VICTIM"
attack PR05b "signal the parent" unconf=root -- kill parent
attack PR05d "signal pid 1" unconf=root -- kill 1
attack PR05c "signal every visible process (kill -1, judged per pid)" -- kill-all
attack PR06a "TIOCSTI into the terminal" tty -- tiocsti
attack PR06b "TIOCSTI with high bits set (CVE-2019-10063)" tty -- tiocsti high
attack PR08a "unshare(CLONE_NEWUSER)" -- unshare-user
attack PR08b "clone(CLONE_NEWUSER)" -- clone-user
attack PR08c "clone3(CLONE_NEWUSER)" -- clone3-user
attack PR08d "setns" -- setns
attack PR09 "open the cordon binary for writing (CVE-2019-5736 class)" unconf=root -- openw "$CORDON"
attack PR10a "keep a capability (effective, permitted, inheritable, ambient)" unconf=root -- caps
attack PR10b "keep the capability bounding set" ns -- caps-bounding
attack PR10c "NoNewPrivs off (setuid exec can raise privileges)" -- nnp-off
attack PR10d "no seccomp filter" -- seccomp-off
attack PR11 "change to another uid" unconf=root -- setuid 65534
attack KS15 "ptrace(PTRACE_TRACEME)" -- traceme
attack PR06c "TIOCSTI on a fresh pty made the controlling terminal" -- tiocsti-pty
attack PR06d "TIOCSTI with high bits on a fresh pty made the controlling terminal" -- tiocsti-pty high
