<?xml version="1.0" encoding="utf-8"?>
<!-- A readable page for a person who opens an Atom or RSS feed of vncpc-feedbot in a browser.
     Feed readers ignore it. The feed server applies it itself for browsers (their own XSLT is
     going away); params: lang (vi|en; default the feed's language) and feed_url (this feed). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:a="http://www.w3.org/2005/Atom" exclude-result-prefixes="a">
  <xsl:output method="html" encoding="utf-8" indent="no"/>
  <xsl:param name="feed_url" select="''"/>
  <xsl:param name="lang" select="''"/>
  <xsl:variable name="feed_lang" select="string((/a:feed/@xml:lang | /rss/channel/language)[1])"/>
  <xsl:variable name="L">
    <xsl:choose>
      <xsl:when test="$lang = 'en' or $lang = 'vi'"><xsl:value-of select="$lang"/></xsl:when>
      <xsl:when test="starts-with($feed_lang, 'en')">en</xsl:when>
      <xsl:otherwise>vi</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="self" select="string((/a:feed/a:link[@rel='self']/@href | /rss/channel/*[local-name()='link' and @rel='self']/@href)[1])"/>
  <xsl:variable name="address">
    <xsl:choose>
      <xsl:when test="$feed_url != ''"><xsl:value-of select="$feed_url"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$self"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:template match="/">
    <html lang="{$L}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="(a:feed/a:title | rss/channel/title)[1]"/></title>
        <style>
          *{box-sizing:border-box}body{font-family:system-ui,sans-serif;max-width:48rem;margin:0 auto;padding:1rem;
          line-height:1.5;color:#1d2428;overflow-wrap:anywhere}a{color:#0b5cad}h1{font-size:1.5rem;margin:.3rem 0}
          .hint{background:#fff8e1;border:1px solid #f0d98a;padding:.6rem .8rem;border-radius:.3rem}
          code{background:#f3f3f3;padding:.1rem .3rem;border-radius:.2rem;word-break:break-all}
          .entry{border-bottom:1px solid #e5e5e5;padding:.6rem 0}.entry h2{font-size:1.05rem;margin:.2rem 0}
          small{color:#5d6970}
        </style>
      </head>
      <body>
        <p class="hint" id="subscribe-hint">
          <xsl:choose>
            <xsl:when test="$L = 'en'"><strong>This is a news feed.</strong> Subscribe in your feed reader
              (Feedly, Miniflux, Thunderbird…) by pasting its address:</xsl:when>
            <xsl:otherwise><strong>Đây là một nguồn tin (feed).</strong> Hãy đăng ký trong trình đọc tin
              (Feedly, Miniflux, Thunderbird…) bằng cách dán địa chỉ này:</xsl:otherwise>
          </xsl:choose>
          <br/><code id="feed-address"><xsl:value-of select="$address"/></code>
          <br/><a href="/?lang={$L}"><xsl:choose><xsl:when test="$L = 'en'">All feeds</xsl:when>
            <xsl:otherwise>Tất cả nguồn tin</xsl:otherwise></xsl:choose></a>
        </p>
        <xsl:apply-templates select="a:feed | rss/channel"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="a:feed">
    <h1><xsl:value-of select="a:title"/></h1>
    <p><xsl:value-of select="a:subtitle"/></p>
    <xsl:for-each select="a:entry">
      <div class="entry">
        <h2><a href="{a:link[not(@rel) or @rel='alternate']/@href}"><xsl:value-of select="a:title"/></a></h2>
        <small><xsl:value-of select="substring(a:published, 1, 10)"/></small>
        <p><xsl:value-of select="a:summary"/></p>
      </div>
    </xsl:for-each>
  </xsl:template>

  <xsl:template match="channel">
    <h1><xsl:value-of select="title"/></h1>
    <p><xsl:value-of select="description"/></p>
    <xsl:for-each select="item">
      <div class="entry">
        <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
        <small><xsl:value-of select="substring(pubDate, 1, 16)"/></small>
        <p><xsl:value-of select="description"/></p>
      </div>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
