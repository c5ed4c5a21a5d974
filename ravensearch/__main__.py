from ravensearch.cli import main

main()
