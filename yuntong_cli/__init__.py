"""The `yuntong` command-line tool (not deployed): manage apps, print UserSigs."""
