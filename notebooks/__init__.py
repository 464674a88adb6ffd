"""The four assignment notebooks (a1_one_layer.ipynb ... a4_char_rnn.ipynb), installed as
package data of tinygrad_dl so that `tinygrad-dl report` finds them from any install."""
