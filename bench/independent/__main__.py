from bench.independent import main

main()
