from retrieval.clean import clean_inline, clean_text


def test_templates_html_and_links_are_removed() -> None:
    body = (
        "<!--\n  Please provide a clear description\n-->\n"
        "### Steps\n- [x] I searched existing issues\n"
        "See [the docs](https://example.com/docs?a=(1)) and ![img](http://x/y.png)\n"
        "<p>It <b>crashes</b> &amp; burns</p>\n_No response_\n"
    )
    cleaned = clean_text(body)
    assert "Please provide" not in cleaned
    assert "###" not in cleaned and "[x]" not in cleaned
    assert "See the docs and img" in cleaned
    assert "It crashes & burns" in cleaned
    assert "No response" not in cleaned


def test_code_blocks_keep_their_first_lines() -> None:
    body = "Error:\n```python\nTraceback (most recent call last):\n  a\n  b\n  c\n  d\n  e\n```\n"
    cleaned = clean_text(body)
    assert "Traceback (most recent call last):" in cleaned
    assert "e" not in cleaned.split("\n") and "…" in cleaned


def test_inline_folds_whitespace() -> None:
    assert clean_inline("  a\n\n b\t c ") == "a b c"
