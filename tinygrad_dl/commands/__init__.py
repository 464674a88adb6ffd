"""One module per `tinygrad-dl` subcommand, each with register(subparsers)."""
