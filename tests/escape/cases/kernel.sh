# Kernel attack surface, one syscall each (docs/threats.md, KS). Sourced by
# battery. try-syscall probes count EFAULT/EBADF/EINVAL as "reached": the
# call got past every filter and the kernel looked at its arguments.

attack KS01 "bpf(BPF_MAP_CREATE)" unconf=root -- bpf
attack KS02 "io_uring_setup" -- io-uring
attack KS03 "userfaultfd(UFFD_USER_MODE_ONLY)" -- userfaultfd
attack KS04 "add_key" -- add-key
attack KS05 "perf_event_open" -- perf
attack KS06a "mount" -- mount
attack KS06b "umount2" -- umount
attack KS06c "chroot" -- chroot
attack KS06d "pivot_root" unconf=root -- pivot-root
attack KS06e "fsopen" unconf=root -- fsopen
attack KS06f "open_tree" -- open-tree
attack KS06g "move_mount" unconf=root -- move-mount
attack KS06h "fspick" unconf=root -- fspick
attack KS06i "mount_setattr" unconf=root -- mount-setattr
attack KS08a "kexec_load" unconf=maybe -- kexec
attack KS08b "init_module" unconf=maybe -- init-module
attack KS10 "execute a memfd copy of /bin/true (memfd_create + execveat)" \
	residual="a policy decision, not a required denial (KS10 in docs/threats.md: JITs need it; vm.memfd_noexec=2 per pid namespace)" -- memfd-exec
attack KS09 "personality(READ_IMPLIES_EXEC|ADDR_NO_RANDOMIZE)" -- personality
attack KS11a "x32 ABI syscall (__X32_SYSCALL_BIT)" unconf=maybe -- x32
# Without IA32 emulation int $0x80 is SIGSEGV before any filter: the battery
# proved it with `probe abi-i386` (ESC_NO_I386, lib.sh).
attack KS11b "i386 ABI syscall (int \$0x80)" skip="$ESC_NO_I386" -- int80
attack KS12 "open_by_handle_at on an outside file (Shocker)" unconf=root skip="$ESC_NO_HANDLE" \
	-- open-by-handle / "$HANDLE"
attack KS14a "modify_ldt" -- modify-ldt
attack KS14b "iopl" unconf=maybe -- iopl
attack KS14c "acct" unconf=root -- acct
attack KS14d "swapon" unconf=root -- swapon
attack KS14e "reboot (bad magic)" unconf=root -- reboot
attack KS14f "settimeofday" unconf=root -- settimeofday
attack KS14g "fanotify_init" unconf=root -- fanotify
attack KS14h "quotactl" -- quotactl
