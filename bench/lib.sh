# Shared by the bench scripts: offline Nix settings, a commit identity, and small helpers.
export NIX_CONFIG=$'experimental-features = nix-command flakes\nsandbox = false\nsubstituters ='
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@driftless.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@driftless.invalid
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# new_repo DIR: a Git repository made from the example fleet
new_repo() { cp -r examples/fleet "$1"; git -C "$1" init -q -b main; git -C "$1" add -A; git -C "$1" commit -q -m init; }
