"""Discovery: from a government portal's home page to its 年报 columns, with the evidence.

`.links` scores a page's links (platform, 年报 column, year/unit sub-column, departments), pure;
`.walk` is one agency's bounded best-first walk, pure; `.spider` fetches what the walks ask for;
`.run` stores what was found (storage.discovered), runs discovery before a crawl for agencies
with a `portal` and no `list_urls`, and walks again from the portal when a column moved.
"""
