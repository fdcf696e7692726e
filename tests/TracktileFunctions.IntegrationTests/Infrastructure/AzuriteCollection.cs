namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// The test classes that share one <see cref="AzuriteFixture"/>. xunit runs the classes of a collection one after
/// another, so two WebJobs hosts never compete for the same queue.
/// </summary>
[CollectionDefinition(Name)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "xunit's collection definition convention.")]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>The collection name, for <c>[Collection(AzuriteCollection.Name)]</c>.</summary>
    public const string Name = "Azurite";
}
