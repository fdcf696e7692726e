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
    [InlineData(0, "")]
    [InlineData(1, "<variables('p')>s--0/")]
    [InlineData(3, "<variables('p')>s--2/")]
    public void Evaluate_CountSteeredReference_TakesTheBranchOfTheParameter(int count, string expected)
    {
        const string expression = "if(greater(parameters('n'), 0), format('{0}s--{1}/', variables('p'), if(greater(parameters('n'), 2), 2, 0)), '')";

        Assert.Equal(expected, ArmExpression.Evaluate(expression, new Dictionary<string, object> { ["n"] = count }));
    }

    [Theory]
    [InlineData("and(equals(parameters('m'), 'A'), not(empty(parameters('s'))))", true)]
    [InlineData("or(equals(parameters('m'), 'B'), empty(parameters('s')))", false)]
    [InlineData("less(1, 2)", true)]
    public void Evaluate_Conditions_AreBooleans(string expression, bool expected)
    {
        Assert.Equal(expected, ArmExpression.Evaluate(expression, new Dictionary<string, object> { ["m"] = "A", ["s"] = "x" }));
    }

    [Fact]
    public void Evaluate_ReferenceWithAProperty_StandsForItself()
    {
        Assert.Equal("https://<reference('site').defaultHostName>/api", ArmExpression.Evaluate("format('https://{0}/api', reference('site').defaultHostName)", new Dictionary<string, object>()));
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
