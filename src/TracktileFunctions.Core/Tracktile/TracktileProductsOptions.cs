using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Tracktile;

/// <summary>
/// How <c>GET /products?modifiedSince=</c> pages. Tracktile documents a bare JSON array; its own client code hints at
/// <c>limit</c>/<c>offset</c> or a cursor with a <c>{results, total}</c> envelope, so the mode is a setting.
/// Bound from <c>Tracktile:Api:Products</c>.
/// </summary>
public sealed class TracktileProductsOptions
{
    /// <summary>The path.</summary>
    [Required]
    public string Path { get; set; } = "products";

    /// <summary>How the answer is paged.</summary>
    public ProductPagination Pagination { get; set; } = ProductPagination.BareArray;

    /// <summary>Products per page (envelope modes).</summary>
    [Range(1, 10_000)]
    public int PageSize { get; set; } = 100;

    /// <summary>
    /// How long a products answer may stop arriving (no byte for this long, after its headers) before the run fails
    /// with that reason instead of hanging; the watermark then stays and the next run repeats the work.
    /// </summary>
    [Range(1, 3_600)]
    public int ReadIdleTimeoutSeconds { get; set; } = 60;

    /// <summary>The page-size query parameter.</summary>
    [Required]
    public string LimitParameter { get; set; } = "limit";

    /// <summary>The offset query parameter (offset mode).</summary>
    [Required]
    public string OffsetParameter { get; set; } = "offset";

    /// <summary>The cursor query parameter (cursor mode).</summary>
    [Required]
    public string CursorParameter { get; set; } = "cursor";

    /// <summary>The envelope property holding a page's products.</summary>
    [Required]
    public string ResultsProperty { get; set; } = "results";

    /// <summary>The envelope property holding the total count (offset mode; when absent, a short page is the last).</summary>
    [Required]
    public string TotalProperty { get; set; } = "total";

    /// <summary>The envelope property holding the next cursor (absent, null or empty on the last page).</summary>
    [Required]
    public string NextCursorProperty { get; set; } = "nextCursor";

    /// <summary>The product property holding its id.</summary>
    [Required]
    public string IdProperty { get; set; } = "id";

    /// <summary>The product property holding its SKU, which web stores name products by (not documented; a setting).</summary>
    public string SkuProperty { get; set; } = "sku";

    /// <summary>The product property holding when it last changed.</summary>
    [Required]
    public string ModifiedAtProperty { get; set; } = "modifiedAt";
}

/// <summary>How a product list is paged.</summary>
public enum ProductPagination
{
    /// <summary>One answer: a bare JSON array of every product (streamed, never buffered whole).</summary>
    BareArray,

    /// <summary><c>limit</c>/<c>offset</c> pages of <c>{results: [...], total}</c>; a short page is the last.</summary>
    OffsetEnvelope,

    /// <summary><c>limit</c>/<c>cursor</c> pages of <c>{results: [...], nextCursor}</c>; no next cursor ends it.</summary>
    CursorEnvelope,
}
