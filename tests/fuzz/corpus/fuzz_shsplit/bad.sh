case x in a) ;; esac
f() { ls; }
echo "unterminated