package backend

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestUnopenedStore(t *testing.T) {
	cause := Errorf(EUNAVAILABLE, "Neo4j at bolt://db:7687 does not answer")
	st := UnopenedStore(cause)
	v := reflect.ValueOf(st)
	storeType := reflect.TypeFor[Store]()
	for i := range storeType.NumMethod() {
		m := storeType.Method(i)
		fn := v.MethodByName(m.Name)
		args := make([]reflect.Value, fn.Type().NumIn())
		for j := range args {
			args[j] = reflect.Zero(fn.Type().In(j))
		}
		if len(args) > 0 && fn.Type().In(0) == reflect.TypeFor[context.Context]() {
			args[0] = reflect.ValueOf(context.Background())
		}
		out := fn.Call(args)
		err, _ := out[len(out)-1].Interface().(error)
		if m.Name == "Close" {
			if err != nil {
				t.Errorf("Close: %v, want nil", err)
			}
			continue
		}
		if !errors.Is(err, cause) {
			t.Errorf("%s: %v, want the cause", m.Name, err)
		}
	}
	// Through a Service, callers get the cause and its code.
	_, _, err := NewService(st).StoreMemory(context.Background(), NewMemory{Type: TypeGeneral, Title: "t", Content: "c"})
	if ErrorCode(err) != EUNAVAILABLE {
		t.Errorf("StoreMemory through a Service: %v (code %q)", err, ErrorCode(err))
	}
}
