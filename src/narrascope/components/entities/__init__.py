"""Entity framing (the ``entities`` step): mention finding (NER + gazetteer), the role framer and entity salience."""
