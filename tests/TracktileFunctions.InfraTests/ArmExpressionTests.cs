namespace TracktileFunctions.InfraTests;

/// <summary>The small ARM expression reader the template checks rely on.</summary>
public class ArmExpressionTests
{
    [Fact]
    public void Arguments_NestedCallsAndQuotedCommas_SplitAtTopLevelOnly()
    {
        var arguments = ArmExpression.Arguments("union(parameters('a'), createObject('k, 1', format('{0}', x[0]), 'it''s', 'v'))", "union");

        Assert.Equal(["parameters('a')", "createObject('k, 1', format('{0}', x[0]), 'it''s', 'v')"], arguments);
        Assert.Equal(["'k, 1'", "format('{0}', x[0])", "'it''s'", "'v'"], ArmExpression.Arguments(arguments[1], "createObject"));
    }

    [Fact]
    public void Arguments_OtherFunction_Throws()
    {
        Assert.Throws<FormatException>(() => ArmExpression.Arguments("concat('a')", "union"));
    }

    [Theory]
    [InlineData("'plain'", "plain")]
    [InlineData("'it''s'", "it's")]
    [InlineData("''", "")]
    [InlineData("format('{0}', 'a')", null)]
    [InlineData("'a', 'b'", null)]
    public void StringLiteral_Argument_ReturnsValueOrNull(string argument, string? expected)
    {
        Assert.Equal(expected, ArmExpression.StringLiteral(argument));
    }
}
