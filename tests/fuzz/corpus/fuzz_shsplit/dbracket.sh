[[ -f x && $(rm y) < b ]] && ls | tee out
[[ $x =~ ^(a|b)$ ]] || echo `id`