namespace RlhfPlatform.AdminApi.Access;

/// <summary>The authorization policies: a reader reads, an operator also submits and cancels.</summary>
public static class AccessPolicies
{
    public const string Reader = "reader", Operator = "operator";
}
