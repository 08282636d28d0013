namespace RlhfPlatform.AdminApi;

/// <summary>?page (from 1) and ?pageSize (up to a cap) of a list endpoint; the run store cuts the page.</summary>
public readonly record struct Paging(int Page, int PageSize)
{
    /// <returns>null when valid, else the problem's detail</returns>
    public static string? TryCreate(int? page, int? pageSize, int defaultSize, int maxSize, out Paging paging)
    {
        paging = new Paging(page ?? 1, pageSize ?? defaultSize);
        if (paging.Page < 1) return $"page must be at least 1 (was {paging.Page})";
        if (paging.PageSize < 1 || paging.PageSize > maxSize) return $"pageSize must be between 1 and {maxSize} (was {paging.PageSize})";
        if ((long)paging.Page * paging.PageSize > int.MaxValue) return "page is beyond the last possible item";
        return null;
    }

    /// <summary>The page as the run store cuts it (in SQL).</summary>
    public Storage.PageRequest Request => new((Page - 1) * PageSize, PageSize);
}
