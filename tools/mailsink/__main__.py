from tools.mailsink.sink import main

main()
