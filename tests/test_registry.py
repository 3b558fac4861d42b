"""The registry contract shared by every family (DESIGN.md)."""

from __future__ import annotations

import dataclasses
import inspect

import keras
import pytest

from tftrain.families import ArgumentError, BoundFunction, Fact, Registry


@pytest.fixture
def shapes() -> Registry:
    registry = Registry("shape", base=Shape, keras_serializable=False)
    registry.register("square", aliases=("quad",))(Square)
    registry.register("scaled_identity")(scaled_identity)
    yield registry


class Shape:
    """Base of the test family."""


class Square(Shape):
    """A square with a side."""

    def __init__(self, side: float, *, color: str = "red"):
        if side <= 0:
            raise ValueError(f"Argument `side` must be > 0. Received: side={side!r}")
        self.side = side
        self.color = color

    def get_config(self):
        return {"side": self.side, "color": self.color}


def scaled_identity(x, factor=1.0):
    """Multiplies by a factor."""
    return x * factor


def test_get_resolves_names_case_insensitively_and_aliases(shapes):
    for name in ("square", "SQUARE", "Quad", "sQuAre"):
        assert isinstance(shapes.get({"name": name, "side": 2}), Square)
    assert shapes.get("scaled-identity") is scaled_identity
    assert shapes.get("ScaledIdentity") is scaled_identity


def test_get_builds_a_class_from_a_dict(shapes):
    square = shapes.get({"name": "square", "side": 2.0, "color": "blue"})
    assert (square.side, square.color) == (2.0, "blue")


def test_get_passes_instances_and_callables_through(shapes):
    square = Square(1.0)
    assert shapes.get(square) is square

    def f(x):
        return x

    assert shapes.get(f) is f


def test_get_rejects_what_is_no_spec(shapes):
    with pytest.raises(TypeError, match=r"Cannot interpret 3 \(of type int\) as a shape"):
        shapes.get(3)


def test_a_spec_of_the_wrong_type_is_refused_naming_what_the_family_accepts(shapes):
    with pytest.raises(
        TypeError,
        match=r"expected a registered name, a dict with a 'name' key, an instance of Shape, "
        r"or a callable\.$",
    ):
        shapes.get(3)
    anything = Registry("any_callable", keras_serializable=False)
    with pytest.raises(
        TypeError, match=r"expected a registered name, a dict with a 'name' key, or a callable\.$"
    ):
        anything.get(3)
    strict = Registry("strict_shape", base=(Shape, bytes), accept_callables=False)
    with pytest.raises(
        TypeError,
        match=r"expected a registered name, a dict with a 'name' key, "
        r"an instance of Shape or bytes\.$",
    ):
        strict.get(scaled_identity)


def test_unknown_name_names_it_and_suggests_the_closest(shapes):
    with pytest.raises(ValueError) as error:
        shapes.get("sqare")
    message = str(error.value)
    assert "Unknown shape 'sqare'" in message
    assert "Did you mean 'square'?" in message
    assert "Known: scaled_identity, square (alias: quad)." in message


def test_unknown_keyword_names_it_and_the_accepted_ones(shapes):
    with pytest.raises(
        TypeError,
        match=r"Unknown argument 'sid' for shape 'square'\. "
        r"Did you mean 'side' for 'sid'\? Accepted: side, color\.",
    ):
        shapes.get({"name": "square", "sid": 1})


def test_unknown_keyword_of_a_function(shapes):
    with pytest.raises(TypeError, match=r"Unknown argument 'scale' .*Accepted: factor"):
        shapes.get({"name": "scaled_identity", "scale": 2})


def test_missing_argument_is_named(shapes):
    with pytest.raises(TypeError, match=r"The shape 'square' needs the argument 'side'"):
        shapes.get("square")


def test_bad_value_error_comes_from_the_component(shapes):
    with pytest.raises(ValueError, match=r"Argument `side` must be > 0. Received: side=-1"):
        shapes.get({"name": "square", "side": -1})


def test_dict_without_name(shapes):
    with pytest.raises(ValueError, match="needs a 'name' key"):
        shapes.get({"side": 1})


def test_serialize_round_trips_a_class(shapes):
    square = Square(3.0, color="green")
    spec = shapes.serialize(square)
    assert spec == {"name": "square", "side": 3.0, "color": "green"}
    assert shapes.serialize(shapes.get(spec)) == spec


def test_functions_bind_keywords_and_round_trip(shapes):
    bound = shapes.get({"name": "scaled_identity", "factor": 3.0})
    assert isinstance(bound, BoundFunction)
    assert bound(2.0) == 6.0
    assert shapes.serialize(bound) == {"name": "scaled_identity", "factor": 3.0}
    assert shapes.get(shapes.serialize(bound)) == bound
    assert shapes.serialize(scaled_identity) == {"name": "scaled_identity"}


def test_serialize_refuses_unregistered_objects(shapes):
    with pytest.raises(ValueError, match="not a registered shape"):
        shapes.serialize(lambda x: x)


def test_names_are_listed_sorted_with_descriptions(shapes):
    assert shapes.names() == ["scaled_identity", "square"]
    assert shapes.describe() == {
        "scaled_identity": "Multiplies by a factor.",
        "square": "A square with a side.",
    }
    assert shapes.aliases() == {"quad": "square"}
    assert "QUAD" in shapes and "circle" not in shapes


def test_a_taken_name_is_refused_unless_overridden(shapes):
    class Other(Shape):
        def __init__(self):
            pass

    with pytest.raises(ValueError, match="'quad' is already registered"):
        shapes.register("quad")(Other)
    shapes.register("square", override=True)(Other)
    assert isinstance(shapes.get("square"), Other)
    assert "quad" not in shapes


def test_registering_a_component_again_replaces_its_earlier_names(shapes):
    shapes.register("square")(Square)  # the same class again, without the alias "quad"
    assert "quad" not in shapes
    assert shapes.aliases() == {}
    with pytest.raises(ValueError, match="Unknown shape 'quad'"):
        shapes.get("quad")
    shapes.unregister("square")
    shapes.register("quad")(Triangle)  # free again, without override
    assert isinstance(shapes.get({"name": "quad", "side": 1.0}), Triangle)


def test_user_registered_component_works_through_get_and_serialize(shapes):
    @shapes.register("circle")
    class Circle(Shape):
        """A circle."""

        def __init__(self, radius=1.0):
            self.radius = radius

        def get_config(self):
            return {"radius": self.radius}

    circle = shapes.get({"name": "circle", "radius": 2.5})
    assert shapes.serialize(circle) == {"name": "circle", "radius": 2.5}
    assert shapes.get(shapes.serialize(circle)).radius == 2.5
    shapes.unregister("circle")
    assert "circle" not in shapes


def test_bound_functions_survive_keras_serialization():
    registry = Registry("registry_test_family")
    registry.register("registry_test_scale")(scaled_identity)
    bound = registry.get({"name": "registry_test_scale", "factor": 2.0})
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(bound))
    assert restored == bound and restored(1.5) == 3.0


def test_keyword_walk_reaches_base_classes_of_keras_optimizers():
    registry = Registry("optimizer_test_family")
    registry.register("sgd_test")(keras.optimizers.SGD)
    registry.check_arguments("sgd_test", {"learning_rate": 0.1, "weight_decay": 0.01})
    with pytest.raises(TypeError, match="Unknown argument 'learning_rat'"):
        registry.check_arguments("sgd_test", {"learning_rat": 0.1})


# ----------------------------------------------------------------------- declared facts
def test_a_fact_the_family_does_not_accept_is_refused_naming_the_accepted_ones():
    colors = Registry("color", keras_serializable=False, facts=(Fact("warmth", ("warm", "cool")),))
    with pytest.raises(
        TypeError,
        match=r"Unknown fact 'warmt' for a color\. Did you mean 'warmth'\? "
        r"Accepted: arguments, check, example, warmth\.",
    ):
        colors.register("red", warmt="warm")
    assert "red" not in colors


def test_a_fact_value_outside_its_choices_is_refused():
    colors = Registry("color", keras_serializable=False, facts=(Fact("warmth", ("warm", "cool")),))
    with pytest.raises(
        ValueError, match=r"fact `warmth`.*\['warm', 'cool'\]. Received: warmth='hot'"
    ):
        colors.register("red", warmth="hot")
    with pytest.raises(TypeError, match="fact `check` must be callable"):
        colors.register("red", check=3)


def test_a_declared_example_the_component_does_not_take_is_refused(shapes):
    with pytest.raises(ValueError, match=r"declared example of the shape 'circle'.*'radius'"):
        shapes.register("circle", example={"radius": 1.0})(Square)
    assert "circle" not in shapes


@pytest.mark.parametrize("example", [{1: 2.0}, ["side"], "side"])
def test_a_declared_example_that_is_no_keyword_dict_is_refused(shapes, example):
    with pytest.raises(TypeError, match="fact `example` must be a dict of keyword arguments"):
        shapes.register("circle", example=example)
    assert "circle" not in shapes


def test_declared_facts_are_read_back_by_name_and_by_object(shapes):
    shapes.register("triangle", example={"side": 2.0})(Triangle)
    assert shapes.fact("triangle", "example") == {"side": 2.0}
    assert shapes.fact_of(Triangle(1.0), "example") == {"side": 2.0}
    assert shapes.fact("square", "example") is None
    assert shapes.fact_of(object(), "example", "none") == "none"
    with pytest.raises(ValueError, match="no fact 'kind'"):
        shapes.fact("square", "kind")


def test_a_declared_check_runs_before_a_function_is_bound(shapes):
    def check(factor=1.0):
        if factor == 0:
            raise ArgumentError("factor", "Argument `factor` must not be 0. Received: factor=0")

    shapes.register("checked_identity", check=check)(scaled_identity)
    assert shapes.get({"name": "checked_identity", "factor": 2.0})(3.0) == 6.0
    with pytest.raises(ValueError, match="must not be 0"):
        shapes.get({"name": "checked_identity", "factor": 0})


def test_problems_lists_each_key_with_its_reason(shapes):
    def check(factor=1.0):
        raise ArgumentError("factor", "Argument `factor` is refused.")

    shapes.register("refusing_identity", check=check)(scaled_identity)
    found = shapes.problems("square", {"sid": 1.0, "colour": "blue"})
    assert [(p.key, p.reason, p.closest) for p in found] == [
        ("sid", "unknown", "side"),
        ("colour", "unknown", "color"),
        ("side", "missing", None),
    ]
    assert [(p.key, p.reason) for p in shapes.problems("refusing_identity", {"factor": 2})] == [
        ("factor", "invalid")
    ]
    assert shapes.problems("square", {"side": 1.0}) == []


class Triangle(Shape):
    """A triangle with a side."""

    def __init__(self, side: float):
        self.side = side

    def get_config(self):
        return {"side": self.side}


def test_what_the_registry_hands_out_cannot_be_changed_behind_its_back(shapes):
    entry = shapes.entry("square")
    (problem,) = shapes.problems("square", {"side": 1.0, "sid": 2.0})
    fact = shapes.facts["check"]
    for record, field in ((entry, "obj"), (problem, "message"), (fact, "name")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, field, None)
    assert shapes.get({"name": "quad", "side": 2.0}).side == 2.0


def test_of_an_unknown_family_names_the_known_ones(shapes):
    assert Registry.of("shape") is shapes
    with pytest.raises(ValueError, match=r"Unknown component family 'shap'. Known: \[.*'shape'"):
        Registry.of("shap")


def test_a_bound_function_reads_the_facts_of_its_own_family_only(shapes):
    shapes.register("scaled_twice", example={"factor": 2.0})(scaled_identity)
    bound = shapes.get({"name": "scaled_twice", "factor": 3.0})
    assert shapes.fact_of(bound, "example") == {"factor": 2.0}
    stranger = BoundFunction("another_family", "scaled_twice", scaled_identity, factor=3.0)
    assert shapes.fact_of(stranger, "example", "none") == "none"


@pytest.mark.parametrize("label", [42, None, "", "   "])
@pytest.mark.parametrize("where", ["name", "alias"])
def test_a_name_or_alias_that_is_no_non_blank_string_is_refused(shapes, label, where):
    names = (label, ()) if where == "name" else ("good_name", ("fine", label))
    with pytest.raises(ValueError, match=r"name must be a non-blank string. Received: "):
        shapes.register(names[0], aliases=names[1])(scaled_identity)
    assert "good_name" not in shapes


def test_an_unknown_name_suggests_at_most_three_close_ones(shapes):
    for name in ("circle_a", "circle_b", "circle_c", "circle_d"):
        shapes.register(name)(scaled_identity)
    with pytest.raises(ValueError) as raised:
        shapes.get("circle_x")
    suggestions = str(raised.value).split("Did you mean ")[1].split("?")[0]
    assert len(suggestions.split(" or ")) == 3


def _unreadable_signature(function):
    function.__signature__ = 42  # inspect.signature raises TypeError on this
    return function


@pytest.mark.parametrize("kind", ["function", "class"])
def test_a_component_whose_signature_cannot_be_read_takes_any_keyword(shapes, kind):
    if kind == "function":
        component = _unreadable_signature(lambda x, **kwargs: x)
    else:

        class Opaque(Shape):
            @_unreadable_signature
            def __init__(self, **kwargs):
                self.kwargs = kwargs

        component = Opaque
    shapes.register("opaque")(component)
    with pytest.raises(TypeError):
        inspect.signature(component if kind == "function" else component.__init__)
    assert shapes.problems("opaque", {"anything": 1, "at_all": 2}) == []


def test_a_subclass_that_passes_keywords_on_takes_its_parents_keywords_too(shapes):
    class Outlined(Square):
        def __init__(self, side, *, outline=1, **kwargs):
            super().__init__(side, **kwargs)
            self.outline = outline

    shapes.register("outlined")(Outlined)
    assert shapes.problems("outlined", {"side": 1.0, "outline": 2, "color": "blue"}) == []
    (problem,) = shapes.problems("outlined", {"side": 1.0, "colour": "blue"})
    assert (problem.key, problem.closest) == ("colour", "color")
    built = shapes.get({"name": "outlined", "side": 1.0, "color": "blue", "outline": 3})
    assert (built.color, built.outline) == ("blue", 3)


def test_a_subclass_that_takes_no_more_keywords_hides_its_parents(shapes):
    class RedSquare(Square):
        def __init__(self, side):
            super().__init__(side, color="red")

    shapes.register("red_square")(RedSquare)
    (problem,) = shapes.problems("red_square", {"side": 1.0, "color": "blue"})
    assert (problem.key, problem.reason) == ("color", "unknown")


@pytest.mark.parametrize(("family", "article"), [("oval", "an"), ("Ellipse", "an"), ("kite", "a")])
def test_errors_say_a_or_an_by_the_familys_first_letter(family, article):
    registry = Registry(f"{family}_article_test", keras_serializable=False)
    with pytest.raises(TypeError, match=rf"Unknown fact 'colour' for {article} {family}"):
        registry.register("one", colour="red")


def test_keywords_passed_on_reach_a_base_class_right_below_object():
    class Base:
        def __init__(self, *, colour="red"):
            self.colour = colour

    class Child(Base):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)

    registry = Registry("mro_walk_test", keras_serializable=False)
    registry.register("child")(Child)
    assert registry.problems("child", {"colour": "blue"}) == []
    assert [p.key for p in registry.problems("child", {"color": "blue"})] == ["color"]
