# Network egress (docs/threats.md, NW). Sourced by battery.

attack NW03 "TCP to a host loopback service" evidence="esc_lines $LOGS/TCP_LO.log" -- tcp-connect 127.0.0.1 "$TCP_LO"
attack NW02 "TCP to the host's own external address (${HOST_IP:-none})" skip="$ESC_NO_HOST_IP" \
	evidence="esc_lines $LOGS/TCP_ANY.log" -- tcp-connect "$HOST_IP" "$TCP_ANY"
attack NW07 "UDP datagram to a host loopback service (echoed back)" evidence="esc_lines $LOGS/UDP_LO.log" -- udp-echo 127.0.0.1 "$UDP_LO"
attack NW05 "DNS query to the host's resolver (${NAMESERVER:-none})" skip="$ESC_NO_NAMESERVER" -- udp-send "$NAMESERVER" 53
attack NW08a "raw IP socket" unconf=root -- socket raw
attack NW08b "packet socket" unconf=root -- socket packet
attack NW09 "AF_VSOCK socket (hypervisor channel)" unconf=maybe -- socket vsock
attack NW10a "AF_NETLINK audit socket" -- socket netlink-audit
attack NW10b "AF_NETLINK netfilter socket (nf_tables)" -- socket netlink-netfilter
attack NW10c "AF_NETLINK uevent socket" -- socket netlink-uevent
attack NW10d "AF_NETLINK xfrm socket" -- socket netlink-xfrm
attack NW10e "AF_ALG socket (Copy Fail)" unconf=maybe -- socket alg
attack NW10f "AF_KEY socket" unconf=maybe -- socket key
