cat <<EOF
hi $x
EOF
for f in *.c; do cc "$f"; done
if [ -f x ]; then (cd a && make); fi