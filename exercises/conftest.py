"""pytest must never collect the generated exercises/dist/ (student and autograder copies)."""
collect_ignore_glob = ["dist/*", "dist"]
