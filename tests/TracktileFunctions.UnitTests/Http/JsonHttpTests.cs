using TracktileFunctions.Http;
using TracktileFunctions.Processing;

namespace TracktileFunctions.UnitTests.Http;

public sealed class JsonHttpTests
{
    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("  ")]
    public void Path_ValueThatWouldChangeThePath_PermanentFailureNamingTheField(string value)
    {
        var error = Assert.Throws<PermanentProcessingException>(() => JsonHttp.Path("customers/{customerId}", ("customerId", value)));

        Assert.Contains("'customerId'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("...", "customers/...")]
    [InlineData("a/../b", "customers/a%2F..%2Fb")]
    [InlineData("cus 1", "customers/cus%201")]
    public void Path_OrdinaryOrOddId_EscapedIntoOneSegment(string value, string path)
        => Assert.Equal(path, JsonHttp.Path("/customers/{customerId}", ("customerId", value)));
}
