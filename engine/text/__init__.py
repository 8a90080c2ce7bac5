"""Text models on a corpus read by :mod:`engine.corpus`: word vectors (gensim word2vec and
JoSE in torch, :mod:`engine.text.vectors`)."""
