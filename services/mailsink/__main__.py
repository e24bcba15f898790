from services.mailsink.sink import main

main()
