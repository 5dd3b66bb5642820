"""HTML fragments to clean text: entities, blocks as line breaks, safe links, caps, linear time."""

from __future__ import annotations

import pytest

from social_listen.connectors._html import extract_html, html_to_text


def test_hn_comment_text_with_entities_and_paragraphs() -> None:
    # modelled on https://hn.algolia.com/api comment_text (HTML with entities)
    html = (
        "I think Acme&#x27;s API is &quot;fine&quot;<p>See "
        '<a href="https:&#x2F;&#x2F;acme.example&#x2F;docs" rel="nofollow">'
        "https:&#x2F;&#x2F;acme.example&#x2F;docs</a>"
        "<p><pre><code>  x &lt; y\n  y &gt; z</code></pre>"
    )
    result = extract_html(html)
    assert result.text == ('I think Acme\'s API is "fine"\n\nSee https://acme.example/docs\n\nx < y\ny > z')
    assert result.links == ("https://acme.example/docs",)


def test_mastodon_content_with_mentions_hashtags_and_breaks() -> None:
    # modelled on https://docs.joinmastodon.org/entities/Status/#content
    html = (
        '<p>Loving <a href="https://m.example/tags/acme" class="mention hashtag" rel="tag">'
        "#<span>acme</span></a>"
        ' thanks <span class="h-card"><a href="https://m.example/@bob" class="u-url mention">'
        "@<span>bob</span></a>"
        "</span></p><p>line one<br />line two</p>"
    )
    result = extract_html(html)
    assert result.text == "Loving #acme thanks @bob\n\nline one\nline two"
    assert result.links == ("https://m.example/tags/acme", "https://m.example/@bob")


def test_scripts_styles_and_unsafe_links_are_dropped() -> None:
    html = (
        '<style>p{color:red}</style><script>alert("x")</script><div>ok</div>'
        '<a href="javascript:alert(1)">a</a><a href="data:text/html,x">b</a>'
        '<a href="mailto:press@acme.example">c</a><a href="https://a.example">d</a><a href="https://a.example">e</a>'
    )
    result = extract_html(html)
    assert "alert" not in result.text
    assert "color" not in result.text
    assert result.text == "ok\nabcde"
    assert result.links == ("mailto:press@acme.example", "https://a.example")


def test_whitespace_is_collapsed_and_blank_lines_limited() -> None:
    assert html_to_text("  a \n\t b&nbsp;&nbsp;c <p></p><p></p><p>d</p>  ") == "a b c\n\nd"
    assert html_to_text("") == ""
    assert html_to_text("plain 1 < 2 and 3 > 2") == "plain 1 < 2 and 3 > 2"


def test_output_is_capped() -> None:
    result = extract_html("<p>" + "word " * 10_000 + "</p>", max_chars=100)
    assert len(result.text) == 100
    assert result.truncated
    assert not extract_html("<p>short</p>").truncated


@pytest.mark.timeout(15)
@pytest.mark.parametrize("unit", ['<a href="', "<a ", "<![CDATA[", "<!--", "</", "&#", "<p>", "<b x='a>"])
def test_hostile_markup_is_handled_in_linear_time(unit: str) -> None:
    # html.parser alone re-scans each unterminated tag to the end of the input: 40k "<a "
    # took minutes. With the linear pre-pass this takes a fraction of a second; the timeout
    # turns a regression into a failure instead of a hang.
    result = extract_html(unit * 40_000)
    assert len(result.text) <= 100_000
